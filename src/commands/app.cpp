#include "swinpp/commands/app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <chrono>
#include <iostream>

#include "command_common.h"
#include "swinpp/config/config_io.h"
#include "swinpp/util/error.h"
#include "swinpp/util/threads.h"

namespace swinpp::commands {

void add_common_options(CLI::App& cmd, CommonOptions& options, bool config_required) {
  auto* config = cmd.add_option("--config,-c", options.config,
                                "YAML configuration in the official SwinV2/SimMIM schema");
  if (config_required) config->required();
  cmd.add_option("--opts", options.opts,
                 "configuration overrides as KEY VALUE pairs, e.g. --opts TRAIN.BASE_LR 1e-4")
      // Many values, but without CLI11's "extra args", which would split a YAML
      // list value ([2,2,6,2]) into four.
      ->expected(1, 1 << 16)
      ->allow_extra_args(false);
  cmd.add_option("--threads", options.threads,
                 "intra-op CPU threads (default: DATA.NUM_THREADS, 0 = every core)");
}

config::Config prepare(const CommonOptions& options) {
  auto cfg = config::load_config(options.config, options.opts);
  const int threads = configure_threads(
      options.threads > 0 ? options.threads : static_cast<int>(cfg.data.num_threads),
      options.processes_per_machine);
  spdlog::debug("using {} intra-op threads", threads);
  return cfg;
}

c10::Device parse_device(const std::string& name, int local_rank) {
  if (name == "auto")
    return torch::cuda::is_available() ? c10::Device(c10::DeviceType::CUDA, local_rank)
                                       : c10::Device(c10::DeviceType::CPU);
  try {
    const c10::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw Error("--device " + name + ": no CUDA device here (or this LibTorch has no CUDA)");
    if (device.is_cuda() &&
        static_cast<int64_t>(device.index()) >= static_cast<int64_t>(torch::cuda::device_count()))
      throw Error("--device " + name + ": this machine has " +
                  std::to_string(torch::cuda::device_count()) + " CUDA devices");
    return device;
  } catch (const c10::Error&) {
    throw Error("--device: expected auto, cpu, cuda or cuda:N, found '" + name + "'");
  }
}

RankContext join_ranks(CommonOptions options, const std::string& device) {
  const auto env = dist::read_dist_env();
  if (env.rank != 0) spdlog::set_level(spdlog::level::warn);  // rank 0 reports for all
  if (env.world_size > 1)
    spdlog::set_pattern(fmt::format("[%H:%M:%S] [rank {}] [%l] %v", env.rank));
  options.processes_per_machine = env.local_world_size;
  auto cfg = prepare(options);
  const auto resolved = parse_device(device, env.local_rank);
  auto communicator =
      dist::make_communicator(env, cfg.dist.backend, std::chrono::seconds(cfg.dist.timeout_s));
  if (env.world_size > 1)
    spdlog::info("rank {} of {} ({} backend, rendezvous {}:{} from {})", env.rank, env.world_size,
                 communicator->backend_name(), env.master_addr, env.master_port, env.source);
  return {env, std::move(cfg), resolved, std::move(communicator)};
}

void check_loaded_weights(const std::string& path, const io::LoadReport& report) {
  spdlog::info("loaded {} tensors from {}", report.loaded.size(), path);
  if (report.missing.empty() && report.mismatched.empty()) {
    if (!report.unexpected.empty()) spdlog::warn("{}", report.summary());
    return;
  }
  std::string problems;
  if (!report.missing.empty()) {
    problems = fmt::format("{} tensors of the model are missing (first '{}')",
                           report.missing.size(), report.missing.front());
  }
  if (!report.mismatched.empty()) {
    const io::ShapeMismatch& first = report.mismatched.front();
    problems +=
        fmt::format("{}{} have another shape (first '{}': the model's [{}], the file's [{}])",
                    problems.empty() ? "" : ", ", report.mismatched.size(), first.name,
                    fmt::join(first.expected, ", "), fmt::join(first.found, ", "));
  }
  throw Error("weights '" + path + "' do not fit the model the configuration describes: " +
              problems + "; check MODEL.* (or --opts) against the checkpoint");
}

int run(int argc, char** argv) {
  CLI::App app{"swinpp: Swin Transformer V2 and SimMIM on LibTorch", "swinpp"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("--verbose,-v", verbose, "debug logging");
  app.set_version_flag(
      "--version", [] { return version_report(); },
      "print the versions of swinpp, LibTorch, CUDA, cuDNN and NCCL and the GPUs "
      "seen, then exit");
  app.parse_complete_callback([&] {
    if (verbose) spdlog::set_level(spdlog::level::debug);
  });
  add_quickstart_command(app);
  add_training_commands(app);
  add_eval_command(app);
  add_info_command(app);
  add_forward_command(app);
  add_transform_command(app);
  add_predict_command(app);
  add_convert_command(app);
  add_bench_command(app);
  add_dataset_command(app);
  add_make_shards_command(app);
  add_visualize_command(app);
  add_plot_command(app);
  add_consolidate_command(app);
  int exit_code = 0;
  add_launch_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
      return app.exit(e);  // --help
    // A usage error: one line naming the argument, and exit code 2.
    std::string message = e.what();
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
      std::string commands;
      for (const CLI::App* command : app.get_subcommands({}))
        commands += (commands.empty() ? "" : ", ") + command->get_name();
      message = fmt::format("unknown command '{}'; the commands are {}", argv[1], commands);
    }
    std::cerr << "swinpp: error: " << message << " (see --help)\n";
    return kUsageErrorCode;
  }
  return exit_code;
}

}  // namespace swinpp::commands

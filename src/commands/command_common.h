// Pieces shared by the swinpp commands (internal to src/commands).
#pragma once

#include <c10/core/Device.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "swinpp/config/config.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/io/state_dict.h"

namespace swinpp::commands {

/// Options every command has: the configuration and its overrides, threads.
struct CommonOptions {
  std::string config;
  std::vector<std::string> opts;
  int threads = 0;
  /// Processes sharing this machine's cores (data-parallel ranks).
  int processes_per_machine = 1;
};

/// Adds --config (required when `config_required`), --opts and --threads to `cmd`.
void add_common_options(CLI::App& cmd, CommonOptions& options, bool config_required = true);

/// Sets the thread count and loads the configuration (defaults when none is given).
config::Config prepare(const CommonOptions& options);

/// The device `name` names: "auto" is cuda:`local_rank` when CUDA is
/// available, else the CPU; otherwise a LibTorch device string ("cpu",
/// "cuda", "cuda:1"). Throws swinpp::Error for an unknown name or a CUDA
/// device that is not there.
c10::Device parse_device(const std::string& name, int local_rank = 0);

/// This process's place in a job of one or more data-parallel ranks.
struct RankContext {
  dist::DistEnv env;
  config::Config config;
  c10::Device device;
  std::shared_ptr<dist::Communicator> communicator;
};

/// Reads the launcher's variables (one process alone without them), leaves
/// info-level logging to rank 0, shares the machine's cores among its ranks,
/// loads the configuration (see prepare), resolves `device` (see
/// parse_device) and connects to the other ranks (DIST.BACKEND,
/// DIST.TIMEOUT_S).
RankContext join_ranks(CommonOptions options, const std::string& device);

/// Logs a weight load of an inference command (eval, predict, forward,
/// visualize), warning of tensors the model does not use. Throws swinpp::Error
/// naming `path` when a tensor of the model is missing or of another shape: the
/// weights do not fit the configured model, whose output would be meaningless.
void check_loaded_weights(const std::string& path, const io::LoadReport& report);

void add_info_command(CLI::App& app);
void add_forward_command(CLI::App& app);
void add_transform_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_bench_command(CLI::App& app);
/// `swinpp bench memory`, under `bench`.
void add_bench_memory_command(CLI::App& bench);
void add_training_commands(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_make_shards_command(CLI::App& app);
void add_visualize_command(CLI::App& app);
void add_quickstart_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_consolidate_command(CLI::App& app);
/// What `swinpp --version` prints: swinpp's version, LibTorch's, the CUDA,
/// cuDNN and NCCL versions it runs with and the GPUs it sees.
std::string version_report();
/// `swinpp launch`; sets `exit_code` to the launched job's.
void add_launch_command(CLI::App& app, int& exit_code);

}  // namespace swinpp::commands

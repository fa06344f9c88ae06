// swinpp bench: throughput measurements printed as one JSON line each.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <ATen/record_function.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#ifdef SWINPP_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif
#include <torch/version.h>

#include "bench_training.h"
#include "command_common.h"
#include "swinpp/data/data_bench.h"
#include "swinpp/dist/parameter_broadcast.h"
#include "swinpp/model/flops.h"
#include "swinpp/train/autocast_guard.h"
#include "swinpp/train/cuda_graph_step.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct BenchModelOptions {
  CommonOptions common;
  int64_t batch = 4;
  int steps = 5;
  int warmup = 2;
  std::string device = "cpu";
  bool inference = false;
  bool count_ops = false;
  bool cuda_graph = false;
  bool profile = false;
};

/// ATen operators one call of `step` runs, counted through LibTorch's
/// RecordFunction observers as the profiler sees them: every "aten::" call,
/// and the top-level ones (not inside another aten:: call), backward included.
struct AtenOpCount {
  int64_t all = 0;
  int64_t top_level = 0;
};

std::atomic<int64_t> aten_calls{0}, top_level_aten_calls{0};
thread_local int aten_depth = 0;

bool is_aten(const at::RecordFunction& fn) {
  return std::string_view(fn.name()).rfind("aten::", 0) == 0;
}

AtenOpCount count_aten_ops(const std::function<void()>& step) {
  aten_calls = 0, top_level_aten_calls = 0;
  const auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback(
          [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
            if (!is_aten(fn)) return nullptr;
            ++aten_calls;
            if (aten_depth++ == 0) ++top_level_aten_calls;
            return nullptr;
          },
          [](const at::RecordFunction& fn, at::ObserverContext*) {
            if (is_aten(fn)) --aten_depth;
          })
          .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  step();
  at::removeCallback(handle);
  return {aten_calls.load(), top_level_aten_calls.load()};
}

/// Where one call of `step` (then `sync`) spends its time as LibTorch's
/// profiler (Kineto) records it: on CUDA the kernels, copies and memsets,
/// summed by name over their device time; on the CPU the aten:: operators,
/// summed by name over their inclusive time (nested operators count in their
/// callers too). {"profiled", "total_ms", "top": [[name, ms, calls], ...]},
/// the `top` longest first.
nlohmann::json profile_step(const std::function<void()>& step, const std::function<void()>& sync,
                            const c10::Device& device, size_t top = 30) {
  namespace prof = torch::profiler::impl;
  std::set<prof::ActivityType> activities{prof::ActivityType::CPU};
  if (device.is_cuda()) activities.insert(prof::ActivityType::CUDA);
  const prof::ProfilerConfig config(prof::ProfilerState::KINETO);
  torch::autograd::profiler::prepareProfiler(config, activities);
  torch::autograd::profiler::enableProfiler(config, activities);
  step();
  sync();
  const auto result = torch::autograd::profiler::disableProfiler();
  struct Total {
    double ns = 0;
    int64_t calls = 0;
  };
  std::map<std::string, Total> totals;
  double all_ns = 0;
  for (const auto& event : result->events()) {
    const bool counted = device.is_cuda() ? event.deviceType() == c10::DeviceType::CUDA
                                          : event.deviceType() == c10::DeviceType::CPU &&
                                                event.name().rfind("aten::", 0) == 0;
    if (!counted) continue;
    Total& total = totals[event.name().substr(0, 160)];
    total.ns += static_cast<double>(event.durationNs());
    ++total.calls;
    all_ns += static_cast<double>(event.durationNs());
  }
  std::vector<std::pair<std::string, Total>> sorted(totals.begin(), totals.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < std::min(top, sorted.size()); ++i)
    rows.push_back({sorted[i].first, sorted[i].second.ns / 1e6, sorted[i].second.calls});
  return {{"profiled", device.is_cuda() ? "cuda_kernels" : "cpu_ops_inclusive"},
          {"total_ms", all_ns / 1e6},
          {"top", rows}};
}

/// Bytes the CUDA caching allocator has had allocated at most since the last
/// reset_peak_memory (0 on the CPU).
int64_t peak_memory(const c10::Device& device) {
#ifdef SWINPP_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)]
        .peak;
  }
#endif
  return 0;
}

void reset_peak_memory(const c10::Device& device) {
#ifdef SWINPP_WITH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
}

void run_bench_model(const BenchModelOptions& options) {
  const auto rank = join_ranks(options.common, options.device);
  const auto& cfg = rank.config;
  const auto& device = rank.device;
  const auto& comm = rank.communicator;
  const auto o = train::swinv2_options(cfg);
  // As the trainer: --cuda-graph or TRAIN.CUDA_GRAPH (training steps only).
  const bool cuda_graph = !options.inference && (options.cuda_graph || cfg.train.cuda_graph);
  if (cuda_graph) {
    train::check_cuda_graph_config(cfg, device, comm->world_size());
    if (options.count_ops)
      throw Error(
          "--count-ops counts the operators LibTorch dispatches, and a replayed CUDA graph "
          "dispatches none: leave out --cuda-graph (or TRAIN.CUDA_GRAPH) to count them");
  }
  BenchTraining training(cfg, comm, options.batch, device, cuda_graph);
  // The eager warm-up steps, the capture and its first replay stay out of the timing.
  const int warmup = cuda_graph
                         ? std::max(options.warmup, train::CudaGraphStep::kDefaultWarmupSteps + 1)
                         : options.warmup;
  const auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
    comm->barrier();
  };
  const auto step = [&] {
    if (options.inference) {
      training.inference();
    } else {
      training.step();
    }
  };
  for (int i = 0; i < warmup; ++i) step();
  sync();
  reset_peak_memory(device);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.steps; ++i) step();
  sync();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto ops = options.count_ops ? count_aten_ops(step) : AtenOpCount{};
  const nlohmann::json profile = options.profile ? profile_step(step, sync, device) : nullptr;
  const int world = comm->world_size();
  const double ips = options.batch * world * options.steps / seconds;
  // The model's FLOPs per image, as MFU counts them: 2 per multiply-add of the
  // forward pass, 3 passes' worth for a training step (recomputation by
  // activation checkpointing not counted).
  const double flops_per_image = (options.inference ? 2.0 : 6.0) * swinv2_macs(o);
  nlohmann::json result = {
      {"impl", "swinpp"},
      {"what", options.inference ? "inference" : "train_step"},
      {"img_size", o.img_size},
      {"window", o.window_size},
      {"batch", options.batch},
      {"world_size", world},
      {"device", device.str()},
      {"amp", cfg.amp_enable ? (cfg.train.amp_dtype == "float16" ? "fp16" : "bf16") : "off"},
      {"backend", comm->backend_name()},
      {"zero_stage", cfg.dist.zero_stage},
      {"cuda_graph", cuda_graph},
      {"steps", options.steps},
      {"threads", at::get_num_threads()},
      {"seconds", seconds},
      {"step_seconds", seconds / options.steps},
      {"images_per_s", ips},
      {"flops_per_image", flops_per_image},
      {"peak_memory_bytes", peak_memory(device)},
      {"peak_memory_kind", device.is_cuda() ? "cuda_allocated" : "none"},
      {"torch", TORCH_VERSION}};
  if (options.profile) result["profile"] = profile;
  if (options.count_ops) {
    result["aten_ops"] = ops.all;
    result["top_level_aten_ops"] = ops.top_level;
  }
  if (comm->rank() == 0) std::cout << result.dump() << std::endl;
}
}  // namespace

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Throughput benchmarks (one JSON line per result)");
  bench->require_subcommand(1);
  auto options = std::make_shared<BenchModelOptions>();
  auto* model = bench->add_subcommand(
      "model",
      "Training-step images/s (forward, backward, AdamW) on random data, with the CUDA allocator's "
      "peak memory and the model's FLOPs per image (for MFU); under swinpp launch or torchrun, of "
      "the data-parallel step (--batch per rank, DIST.ZERO_STAGE applies)");
  add_common_options(*model, options->common, false);
  model->add_option("--batch,-b", options->batch, "images per step and rank (default 4)");
  model->add_option("--steps,-n", options->steps, "timed steps (default 5)");
  model->add_option("--warmup", options->warmup, "untimed steps first (default 2)");
  model->add_option("--device", options->device,
                    "cpu (default), cuda, cuda:N or auto; autocast follows AMP_ENABLE and "
                    "TRAIN.AMP_DTYPE on either");
  model->add_flag("--count-ops", options->count_ops,
                  "after timing, count the ATen operators of one more step (all, and "
                  "top-level) as LibTorch's profiler sees them");
  model->add_flag("--cuda-graph", options->cuda_graph,
                  "capture the training step as a CUDA graph and time its replays, as "
                  "TRAIN.CUDA_GRAPH does in training (CUDA; at least 3 warm-up steps)");
  model->add_flag("--profile", options->profile,
                  "after timing, profile one more step and add the 30 longest CUDA kernels "
                  "(on the CPU: aten:: operators, inclusive time) by name to the JSON line");
  model->add_flag("--inference", options->inference,
                  "time forward passes without autograd (evaluation) instead of training steps");
  model->callback([options] { run_bench_model(*options); });
  add_bench_memory_command(*bench);

  struct DataOptions {
    std::string dir;
    int workers = 2, img_size = 256, batch = 32, threads = 0;
    double seconds = 10.0;
  };
  auto data_options = std::make_shared<DataOptions>();
  auto* data_cmd = bench->add_subcommand(
      "data", "Training-pipeline images/s: decode, RandomResizedCrop, flip, normalise");
  data_cmd->add_option("--data,-d", data_options->dir, "folder of images (searched recursively)")
      ->required()
      ->check(CLI::ExistingDirectory);
  data_cmd->add_option("--workers,-j", data_options->workers, "loader threads (default 2)");
  data_cmd->add_option("--img-size", data_options->img_size, "output side (default 256)");
  data_cmd->add_option("--batch,-b", data_options->batch, "batch size (default 32)");
  data_cmd->add_option("--seconds", data_options->seconds, "how long to measure (default 10)");
  data_cmd->callback([data_options] {
    const auto& d = *data_options;
    std::cout << data::bench_data(d.dir, d.workers, d.img_size, d.batch, d.seconds).to_json()
              << std::endl;
  });
}

}  // namespace swinpp::commands

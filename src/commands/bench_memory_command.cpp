// swinpp bench memory: what each rank holds for a training step (parameters,
// gradients, optimizer state, buckets) and the peak memory the step needs above
// that, in each memory mode: plain, ZeRO-1, ZeRO-2, activation checkpointing,
// sequential attention.
#include <malloc.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench_training.h"
#include "command_common.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {

struct BenchMemoryOptions {
  CommonOptions common;
  int64_t batch = 8;
  int64_t sequential_windows = 4;
  std::vector<std::string> modes;
};

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
int64_t status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
  throw Error("/proc/self/status has no " + key);
}

/// Makes VmHWM start again from the current resident size.
void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  if (!out.flush())
    throw Error("cannot reset the peak resident size through /proc/self/clear_refs (Linux >= 4.0)");
}

struct Mode {
  const char* name;
  int zero_stage;
  bool checkpoint;
  bool sequential;
};

void run_bench_memory(const BenchMemoryOptions& options) {
  const auto rank = join_ranks(options.common, "cpu");
  // Every allocation above 64 KiB gets its own mapping, returned to the
  // system when freed: the resident size then follows the live tensors.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  const auto& comm = rank.communicator;
  for (const Mode& mode :
       {Mode{"plain", 0, false, false}, Mode{"zero1", 1, false, false},
        Mode{"zero2", 2, false, false}, Mode{"checkpoint", 0, true, false},
        Mode{"sequential", 0, false, true}, Mode{"checkpoint+sequential", 0, true, true}}) {
    if (!options.modes.empty() &&
        std::find(options.modes.begin(), options.modes.end(), mode.name) == options.modes.end())
      continue;
    auto c = rank.config;
    c.dist.zero_stage = mode.zero_stage;
    c.train.optimizer.name = "adamw";
    c.train.checkpoint_stages.assign(c.model.swinv2.depths.size(), mode.checkpoint);
    c.model.swinv2.sequential_attention_windows = mode.sequential ? options.sequential_windows : 0;
    BenchTraining training(c, comm, options.batch, rank.device);
    training.step();  // allocates the gradients and the optimizer state
    comm->barrier();
    const int64_t steady_kib = status_kib("VmRSS");
    reset_peak_rss();
    const auto start = std::chrono::steady_clock::now();
    const train::StepOutcome outcome = training.step();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t peak_kib = status_kib("VmHWM");
    int64_t parameter_bytes = 0;
    for (const auto& p : training.model()->parameters())
      parameter_bytes += p.numel() * static_cast<int64_t>(p.element_size());
    const auto& o = training.model()->options;
    nlohmann::json result = {{"impl", "swinpp"},
                             {"what", "train_step_memory"},
                             {"mode", mode.name},
                             {"rank", comm->rank()},
                             {"world_size", comm->world_size()},
                             {"img_size", o.img_size},
                             {"window", o.window_size},
                             {"embed_dim", o.embed_dim},
                             {"batch", options.batch},
                             {"zero_stage", mode.zero_stage},
                             {"sequential_windows", c.model.swinv2.sequential_attention_windows},
                             {"parameter_bytes", parameter_bytes},
                             {"gradient_bytes", outcome.memory.gradients},
                             {"optimizer_state_bytes", outcome.memory.optimizer_state},
                             {"bucket_peak_bytes", outcome.memory.bucket_peak},
                             {"steady_mib", steady_kib / 1024.0},
                             {"step_peak_above_steady_mib", (peak_kib - steady_kib) / 1024.0},
                             {"step_seconds", seconds}};
    std::cout << result.dump() << std::endl;
    comm->barrier();
  }
}

}  // namespace

void add_bench_memory_command(CLI::App& bench) {
  auto options = std::make_shared<BenchMemoryOptions>();
  auto* cmd = bench.add_subcommand(
      "memory",
      "What each rank holds for one CPU training step (parameter, gradient, optimizer-state and "
      "ZeRO-2 bucket bytes) and the step's peak resident memory above that (the activations), "
      "one JSON line per mode and rank: plain, zero1, zero2, checkpoint, sequential, "
      "checkpoint+sequential; run it under `swinpp launch` for several ranks");
  add_common_options(*cmd, options->common, false);
  cmd->add_option("--batch,-b", options->batch, "images per step and rank (default 8)");
  cmd->add_option("--sequential-windows", options->sequential_windows,
                  "windows per group with sequential attention (default 4)");
  cmd->add_option("--mode", options->modes, "measure only these modes (default: every one)")
      ->check(CLI::IsMember(
          {"plain", "zero1", "zero2", "checkpoint", "sequential", "checkpoint+sequential"}));
  cmd->callback([options] { run_bench_memory(*options); });
}

}  // namespace swinpp::commands

// swinpp bench memory: the peak memory a training step needs above the model,
// its gradients and its optimizer state, with and without activation
// checkpointing and sequential attention.
#include <malloc.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "command_common.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {

struct BenchMemoryOptions {
  CommonOptions common;
  int64_t batch = 8;
  int64_t sequential_windows = 4;
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

/// One training step: forward, cross-entropy, backward, AdamW.
void train_step(SwinTransformerV2& model, torch::optim::AdamW& optimizer, const torch::Tensor& x,
                const torch::Tensor& y) {
  for (auto& p : model->parameters())  // keep the gradient buffers: they are not activations
    if (p.grad().defined()) p.mutable_grad().zero_();
  torch::cross_entropy_loss(model->forward(x), y).backward();
  optimizer.step();
}

struct Mode {
  const char* name;
  bool checkpoint;
  bool sequential;
};

void run_bench_memory(const BenchMemoryOptions& options) {
  const auto cfg = prepare(options.common);
  // Every allocation above 64 KiB gets its own mapping, returned to the
  // system when freed: the resident size then follows the live tensors.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  for (const Mode& mode :
       {Mode{"plain", false, false}, Mode{"checkpoint", true, false},
        Mode{"sequential", false, true}, Mode{"checkpoint+sequential", true, true}}) {
    auto c = cfg;
    c.train.checkpoint_stages.assign(c.model.swinv2.depths.size(), mode.checkpoint);
    c.model.swinv2.sequential_attention_windows = mode.sequential ? options.sequential_windows : 0;
    const auto o = train::swinv2_options(c);
    torch::manual_seed(0);
    SwinTransformerV2 model(o);
    model->train();
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
    auto x = torch::randn({options.batch, o.in_chans, o.img_size, o.img_size});
    auto y = torch::randint(std::max<int64_t>(o.num_classes, 1), {options.batch}, torch::kInt64);
    train_step(model, optimizer, x, y);  // allocates gradients and AdamW moments
    const int64_t steady_kib = status_kib("VmRSS");
    reset_peak_rss();
    const auto start = std::chrono::steady_clock::now();
    train_step(model, optimizer, x, y);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int64_t peak_kib = status_kib("VmHWM");
    nlohmann::json result = {{"impl", "swinpp"},
                             {"what", "train_step_memory"},
                             {"mode", mode.name},
                             {"img_size", o.img_size},
                             {"window", o.window_size},
                             {"batch", options.batch},
                             {"sequential_windows", c.model.swinv2.sequential_attention_windows},
                             {"steady_mib", steady_kib / 1024.0},
                             {"step_peak_above_steady_mib", (peak_kib - steady_kib) / 1024.0},
                             {"step_seconds", seconds}};
    std::cout << result.dump() << std::endl;
  }
}

}  // namespace

void add_bench_memory_command(CLI::App& bench) {
  auto options = std::make_shared<BenchMemoryOptions>();
  auto* cmd = bench.add_subcommand(
      "memory",
      "Peak resident memory of one CPU training step above the model, gradients and AdamW state "
      "(the activations), plain / activation checkpointing / sequential attention / both");
  add_common_options(*cmd, options->common, false);
  cmd->add_option("--batch,-b", options->batch, "images per step (default 8)");
  cmd->add_option("--sequential-windows", options->sequential_windows,
                  "windows per group with sequential attention (default 4)");
  cmd->callback([options] { run_bench_memory(*options); });
}

}  // namespace swinpp::commands

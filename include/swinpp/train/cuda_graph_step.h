#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "swinpp/config/config.h"
#include "swinpp/train/training_step.h"

namespace swinpp::train {

/// A whole training step captured once as a CUDA graph and replayed: the
/// gradients zeroed, the forward pass and loss, backward, unscale and check,
/// gradient norm and clipping, fused AdamW, the loss scale and the step
/// statistics, all in one graph launch instead of thousands of kernel
/// launches from the host.
///
/// run() copies its inputs into the graph's own input tensors and replays.
/// The first `warmup_steps` calls run eagerly (they make the gradients, the
/// optimizer state, the model's caches and the libraries' workspaces, none of
/// which may be made inside a capture); the next one captures the step, then
/// replays it. A call whose inputs differ from the captured ones in shape,
/// dtype or device runs eagerly instead, on the same gradients and state (the
/// graph is kept for the next call that fits).
///
/// Everything runs on a stream of its own, ordered after the caller's work on
/// the current stream and before the caller's later work.
///
/// What the captured step may do is what CUDA allows inside a capture:
/// nothing may read the device or copy from pageable host memory. When CUDA
/// refuses the capture, a warning says why and every step runs eagerly. swinpp's
/// step satisfies this for one process with the replicated updater and fused
/// AdamW, without gradient accumulation (TrainingStep of accumulation 1);
/// the learning rate set between replays is used (FusedAdamW reads it on the
/// device). Random numbers (drop path, dropout) come from the default CUDA
/// generator as in eager steps: reseeding it between replays is honoured.
class CudaGraphStep {
 public:
  /// Eager steps before the capture, unless the constructor is told otherwise.
  static constexpr int kDefaultWarmupSteps = 2;

  /// The loss ([]) of one micro-batch from the input tensors, under whatever
  /// autocast it sets itself.
  using LossFunction = std::function<torch::Tensor(const std::vector<torch::Tensor>&)>;

  /// `step` (accumulation 1, on `device`) must outlive this object. Throws
  /// swinpp::Error when `device` is not a CUDA device, the build has no CUDA,
  /// the step accumulates gradients or `warmup_steps` < 1.
  CudaGraphStep(TrainingStep& step, LossFunction loss, const torch::Device& device,
                int warmup_steps = kDefaultWarmupSteps);
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;

  /// One optimizer step on `inputs` (tensors on the device) holding `images`
  /// images. The outcome's tensors belong to the graph when it was replayed:
  /// they hold this step's values until the next run().
  StepOutcome run(const std::vector<torch::Tensor>& inputs, int64_t images);

  /// Whether the step has been captured.
  bool captured() const;
  /// Steps run by replaying the graph, and eagerly (warm-up and inputs that
  /// did not fit the graph).
  int64_t replayed_steps() const;
  int64_t eager_steps() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Whether this build can capture CUDA graphs (it was built with CUDA).
bool cuda_graphs_supported();

/// Throws swinpp::Error naming the setting of `config` (or the device, or the
/// `world_size` ranks) that keeps TRAIN.CUDA_GRAPH from capturing the step.
void check_cuda_graph_config(const config::Config& config, const c10::Device& device,
                             int world_size);

}  // namespace swinpp::train

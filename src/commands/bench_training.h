// The training the benchmarks measure: a SwinV2 classifier on one synthetic
// batch, stepped by the step the trainer runs.
#pragma once

#include <torch/types.h>

#include <memory>

#include "swinpp/config/config.h"
#include "swinpp/dist/communicator.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/train/cuda_graph_step.h"
#include "swinpp/train/training_step.h"

namespace swinpp::optim {
class LossScaler;
}  // namespace swinpp::optim

namespace swinpp::commands {

/// A SwinV2 classifier built from `cfg` (seed 0, rank 0's weights on every
/// rank) on `device`, with the parameter updater (DIST.ZERO_STAGE), loss
/// scaler (TRAIN.AMP_DTYPE), clipping (TRAIN.CLIP_GRAD) and TrainingStep the
/// trainer uses, and one random batch of `batch` images and labels. With
/// `cuda_graph` the step is captured and replayed as TRAIN.CUDA_GRAPH does.
class BenchTraining {
 public:
  BenchTraining(const config::Config& cfg, std::shared_ptr<dist::Communicator> comm, int64_t batch,
                const c10::Device& device, bool cuda_graph = false);
  ~BenchTraining();

  /// One training step: forward and cross-entropy under the configured
  /// autocast, then TrainingStep (backward, reduction, unscale and check,
  /// clip, AdamW), eagerly or by replaying its CUDA graph. Returns what the
  /// step did (device tensors: the step does not wait for the device).
  train::StepOutcome step();
  /// A forward pass without autograd, as in evaluation.
  void inference();

  SwinTransformerV2& model() { return model_; }
  const train::ParameterUpdater& updater() const { return *updater_; }

 private:
  config::Config cfg_;
  std::shared_ptr<dist::Communicator> comm_;
  SwinTransformerV2 model_{nullptr};
  std::unique_ptr<train::ParameterUpdater> updater_;
  std::unique_ptr<optim::LossScaler> scaler_;
  std::unique_ptr<train::TrainingStep> step_;
  std::unique_ptr<train::CudaGraphStep> graph_;
  c10::ScalarType amp_dtype_;
  torch::Tensor x_, y_;
  /// Forward and cross-entropy of x_ against y_ under the configured autocast.
  torch::Tensor loss(const torch::Tensor& images, const torch::Tensor& labels);
};

}  // namespace swinpp::commands

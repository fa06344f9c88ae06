#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "swinpp/train/parameter_updater.h"
#include "swinpp/train/step_statistics.h"

namespace swinpp::optim {
class LossScaler;
}  // namespace swinpp::optim

namespace swinpp::train {

/// TRAIN.AMP_DTYPE as a dtype: "float16" or "bfloat16"; throws swinpp::Error
/// naming the value otherwise.
c10::ScalarType parse_amp_dtype(const std::string& name);

/// What one optimizer step did, as tensors on the device: nothing of it has
/// been read.
struct StepOutcome {
  /// float32 [1]: 1 when the loss or the gradients were not finite on some
  /// rank and the update was skipped, 0 when it was applied.
  torch::Tensor found_inf;
  /// bool []: whether every micro-batch loss of this rank was finite.
  torch::Tensor loss_finite;
  /// The gradient norm before clipping, float32 ([] or [1]).
  torch::Tensor grad_norm;
  /// What the updater held once backward had finished, before the update.
  ParameterUpdater::MemoryUse memory;
};

/// The optimizer step every training loop of swinpp runs (Trainer, `swinpp
/// bench model`, `swinpp bench memory`), so that a benchmark measures what
/// training does:
///
///   for each micro-batch: loss = forward...; step.backward(loss, images, last);
///   const StepOutcome outcome = step.update();
///   ... (the gradients are still there to inspect) ...
///   step.clear();
///   ... on a logging step: step.statistics().take(comm) ...
///
/// backward() scales the loss by the loss scaler and 1 / accumulation, tells
/// the updater whether this backward completes the step and adds the loss to
/// the statistics; update() finishes the gradient reduction, unscales and
/// checks the gradients, measures and clips their norm while agreeing across
/// ranks on whether to apply the update (together, in one small all-reduce),
/// applies it or lets the fused kernel skip it, and updates the loss scale; clear() clears the
/// gradients. None of it reads the device (but SGD's skip decision, see ParameterUpdater::step):
/// the outcome and the statistics stay tensors until they are logged.
class TrainingStep {
 public:
  /// `updater` (whose communicator the step's collectives use) and `scaler`
  /// must outlive the step. Gradients are clipped to `clip_grad`
  /// (TRAIN.CLIP_GRAD; 0 measures the norm only); `max_skipped_steps`
  /// (TRAIN.MAX_SKIPPED_STEPS) is the skip run the statistics report. The
  /// statistics live on `device`.
  TrainingStep(ParameterUpdater& updater, optim::LossScaler& scaler, int64_t accumulation_steps,
               double clip_grad, int64_t max_skipped_steps, const torch::Device& device);

  /// Backward of one micro-batch's loss ([]) over `images` images;
  /// `last_micro_step` is true for the one that completes the step.
  void backward(const torch::Tensor& loss, int64_t images, bool last_micro_step);

  /// After the last micro-step of the next optimizer step (counted on the
  /// device from 1, or from start_at's steps).
  StepOutcome update();
  /// The next update() is step `steps_done` + 1 (a resumed run).
  void start_at(int64_t steps_done) { statistics_.start_at(steps_done); }

  /// Clears the gradients for the next step.
  void clear();

  /// The losses, norms and skips accumulated since the last take().
  StepStatistics& statistics() { return statistics_; }
  /// The updater whose parameters the step trains.
  ParameterUpdater& updater() { return updater_; }
  /// Micro-batches per optimizer step (TRAIN.ACCUMULATION_STEPS).
  int64_t accumulation_steps() const { return accumulation_steps_; }

 private:
  ParameterUpdater& updater_;
  optim::LossScaler& scaler_;
  int64_t accumulation_steps_;
  double clip_grad_;
  StepStatistics statistics_;
};

}  // namespace swinpp::train

#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "swinpp/train/parameter_updater.h"

namespace swinpp::optim {
class LossScaler;
}  // namespace swinpp::optim

namespace swinpp::train {

/// TRAIN.AMP_DTYPE as a dtype: "float16" or "bfloat16"; throws swinpp::Error
/// naming the value otherwise.
c10::ScalarType parse_amp_dtype(const std::string& name);

/// What one optimizer step did.
struct StepOutcome {
  /// Whether the loss and the gradients were finite on every rank, that is,
  /// whether the update was applied.
  bool applied = false;
  /// The gradient norm before clipping.
  double grad_norm = 0.0;
  /// What the updater held once backward had finished, before the update.
  ParameterUpdater::MemoryUse memory;
};

/// The optimizer step every training loop of swinpp runs (Trainer, `swinpp
/// bench model`, `swinpp bench memory`), so that a benchmark measures what
/// training does:
///
///   for each micro-batch: loss = forward...; step.backward(loss, last);
///   const StepOutcome outcome = step.update(loss_finite);
///   ... (the gradients are still there to inspect) ...
///   step.clear();
///
/// backward() scales the loss by the loss scaler and 1 / accumulation and
/// tells the updater whether this backward completes the step; update()
/// finishes the gradient reduction, unscales and checks the gradients, agrees
/// across ranks on whether to apply the update, clips, applies it (or skips
/// it) and updates the loss scale; clear() clears the gradients.
class TrainingStep {
 public:
  /// `updater` and `scaler` must outlive the step. Gradients are clipped to
  /// `clip_grad` (TRAIN.CLIP_GRAD; 0 measures the norm only).
  TrainingStep(ParameterUpdater& updater, optim::LossScaler& scaler, dist::Communicator& comm,
               int64_t accumulation_steps, double clip_grad);

  /// Backward of one micro-batch's loss; `last_micro_step` is true for the
  /// one that completes the step. Returns the loss's value (read from its
  /// device).
  double backward(const torch::Tensor& loss, bool last_micro_step);

  /// After the last micro-step: `loss_finite` is whether every micro-batch's
  /// loss was finite on this rank.
  StepOutcome update(bool loss_finite);

  /// Clears the gradients for the next step.
  void clear();

 private:
  ParameterUpdater& updater_;
  optim::LossScaler& scaler_;
  dist::Communicator& comm_;
  int64_t accumulation_steps_;
  double clip_grad_;
};

}  // namespace swinpp::train

#include "swinpp/train/training_step.h"

#include <torch/torch.h>

#include "swinpp/optim/loss_scaler.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

c10::ScalarType parse_amp_dtype(const std::string& name) {
  if (name == "float16") return c10::ScalarType::Half;
  if (name == "bfloat16") return c10::ScalarType::BFloat16;
  throw Error("TRAIN.AMP_DTYPE: expected float16 or bfloat16, found '" + name + "'");
}

TrainingStep::TrainingStep(ParameterUpdater& updater, optim::LossScaler& scaler,
                           int64_t accumulation_steps, double clip_grad, int64_t max_skipped_steps,
                           const torch::Device& device)
    : updater_(updater),
      scaler_(scaler),
      accumulation_steps_(accumulation_steps),
      clip_grad_(clip_grad),
      statistics_(max_skipped_steps, device) {
  if (accumulation_steps < 1)
    throw Error("TRAIN.ACCUMULATION_STEPS: expected >= 1, found " +
                std::to_string(accumulation_steps));
}

void TrainingStep::backward(const torch::Tensor& loss, int64_t images, bool last_micro_step) {
  updater_.prepare_backward(last_micro_step);
  scaler_.scale(loss / static_cast<double>(accumulation_steps_)).backward();
  statistics_.add_micro_batch(loss, images);
}

StepOutcome TrainingStep::update() {
  torch::NoGradGuard no_grad;
  StepOutcome outcome;
  updater_.finish_backward();
  outcome.memory = updater_.memory_use();
  outcome.loss_finite = statistics_.step_loss_finite();             // []
  torch::Tensor found_inf = scaler_.unscale(updater_.gradients());  // [1]
  found_inf = torch::maximum(found_inf, outcome.loss_finite.logical_not()
                                            .to(found_inf.device(), torch::kFloat,
                                                /*non_blocking=*/true)
                                            .reshape({1}));
  // Sharded ranks checked only their own gradients: the updater agrees on the
  // flag in the one all-reduce it makes for the norm, on the device.
  outcome.grad_norm = updater_.clip_grad_norm(clip_grad_, found_inf);
  outcome.found_inf = found_inf;
  updater_.step(found_inf);
  scaler_.update(found_inf);
  statistics_.end_step(found_inf, outcome.grad_norm);
  return outcome;
}

void TrainingStep::clear() { updater_.zero_grad(); }

}  // namespace swinpp::train

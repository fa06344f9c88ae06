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
                           dist::Communicator& comm, int64_t accumulation_steps, double clip_grad)
    : updater_(updater),
      scaler_(scaler),
      comm_(comm),
      accumulation_steps_(accumulation_steps),
      clip_grad_(clip_grad) {
  if (accumulation_steps < 1)
    throw Error("TRAIN.ACCUMULATION_STEPS: expected >= 1, found " +
                std::to_string(accumulation_steps));
}

double TrainingStep::backward(const torch::Tensor& loss, bool last_micro_step) {
  updater_.prepare_backward(last_micro_step);
  scaler_.scale(loss / static_cast<double>(accumulation_steps_)).backward();
  return loss.item<double>();
}

StepOutcome TrainingStep::update(bool loss_finite) {
  StepOutcome outcome;
  updater_.finish_backward();
  outcome.memory = updater_.memory_use();
  bool finite = scaler_.unscale_and_check(updater_.gradients()) && loss_finite;
  if (comm_.world_size() > 1) {  // sharded ranks checked only their own gradients: agree
    const auto device = updater_.parameters().front().device();
    torch::Tensor found_inf =
        torch::full({1}, finite ? 0.0f : 1.0f, torch::TensorOptions().device(device));  // [1]
    comm_.all_reduce_max(found_inf);
    finite = found_inf.item<float>() == 0.0f;
  }
  outcome.grad_norm = updater_.clip_grad_norm(clip_grad_);
  if (finite) updater_.step();
  outcome.applied = finite;
  scaler_.update(!finite);
  return outcome;
}

void TrainingStep::clear() { updater_.zero_grad(); }

}  // namespace swinpp::train

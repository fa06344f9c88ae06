#include "swinpp/train/step_statistics.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "swinpp/dist/communicator.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

StepStatistics::StepStatistics(int64_t max_skipped_steps, const torch::Device& device)
    : max_skipped_steps_(max_skipped_steps) {
  if (max_skipped_steps < 1)
    throw Error("TRAIN.MAX_SKIPPED_STEPS: expected >= 1, found " +
                std::to_string(max_skipped_steps));
  const auto options = torch::TensorOptions().device(device).dtype(torch::kDouble);
  for (torch::Tensor* t : {&window_loss_, &window_micro_batches_, &window_images_, &step_loss_,
                           &step_micro_batches_, &steps_done_, &grad_norm_, &skipped_, &streak_,
                           &streak_limit_step_, &last_finite_step_, &last_finite_loss_})
    *t = torch::zeros({}, options);  // []
}

void StepStatistics::add_micro_batch(const torch::Tensor& loss, int64_t images) {
  torch::NoGradGuard no_grad;
  const torch::Tensor value = loss.detach()
                                  .to(step_loss_.device(), torch::kDouble,
                                      /*non_blocking=*/true)
                                  .reshape({});  // []
  step_loss_.add_(value);
  step_micro_batches_.add_(1.0);
  window_loss_.add_(value);
  window_micro_batches_.add_(1.0);
  window_images_.add_(static_cast<double>(images));
}

torch::Tensor StepStatistics::step_loss_finite() const { return torch::isfinite(step_loss_); }

void StepStatistics::start_at(int64_t steps_done) {
  if (steps_done < 0)
    throw Error("step statistics: expected steps done >= 0, found " + std::to_string(steps_done));
  torch::NoGradGuard no_grad;
  steps_done_.fill_(static_cast<double>(steps_done));
}

void StepStatistics::end_step(const torch::Tensor& found_inf, const torch::Tensor& grad_norm) {
  torch::NoGradGuard no_grad;
  const auto device = step_loss_.device();
  const torch::Tensor skipped =
      found_inf.to(device, torch::kDouble, /*non_blocking=*/true).reshape({});  // [] 0 or 1
  const torch::Tensor applied = skipped == 0.0;                                 // [] bool
  const torch::Tensor& when = steps_done_.add_(1.0);                            // [] this step
  grad_norm_.copy_(grad_norm.reshape({}), /*non_blocking=*/true);
  skipped_.add_(skipped);
  streak_.add_(1.0).mul_(skipped);  // skipped steps in a row, 0 after an applied one
  streak_limit_step_.copy_(torch::where(
      (streak_limit_step_ == 0.0).logical_and_(streak_ >= static_cast<double>(max_skipped_steps_)),
      when, streak_limit_step_));
  last_finite_loss_.copy_(
      torch::where(applied, step_loss_ / step_micro_batches_.clamp_min(1.0), last_finite_loss_));
  last_finite_step_.copy_(torch::where(applied, when, last_finite_step_));
  step_loss_.zero_();
  step_micro_batches_.zero_();
}

StepStatistics::Report StepStatistics::take(dist::Communicator& comm) {
  torch::NoGradGuard no_grad;
  torch::Tensor window =
      torch::stack({window_loss_, window_micro_batches_, window_images_});  // [3]
  if (comm.world_size() > 1) comm.all_reduce_sum(window);
  const Report r = read(window);
  for (torch::Tensor* t : {&window_loss_, &window_micro_batches_, &window_images_, &skipped_})
    t->zero_();
  return r;
}

StepStatistics::Report StepStatistics::peek() const {
  return read(torch::zeros({3}, window_loss_.options()));
}

StepStatistics::Report StepStatistics::read(const torch::Tensor& window) const {
  const torch::Tensor values =
      torch::cat({window, torch::stack({grad_norm_, skipped_, streak_limit_step_, last_finite_step_,
                                        last_finite_loss_})})
          .cpu();  // [8]: the one read of the device
  const auto v = values.accessor<double, 1>();
  Report r;
  r.mean_loss = v[0] / std::max(v[1], 1.0);
  r.micro_batches = std::llround(v[1]);
  r.images = std::llround(v[2]);
  r.grad_norm = v[3];
  r.skipped = std::llround(v[4]);
  r.streak_limit_step = std::llround(v[5]);
  r.last_finite_step = std::llround(v[6]);
  r.last_finite_loss = v[7];
  return r;
}

}  // namespace swinpp::train

#include "swinpp/optim/loss_scaler.h"

#include <torch/torch.h>

#include <algorithm>
#include <utility>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// Multiplies every defined gradient by `inv_scale` ([1] float32; undefined:
/// 1, made on each device, so that nothing is copied from the host) and
/// returns found_inf [1] (1 when some gradient is not finite), through
/// LibTorch's fused _amp_foreach_non_finite_check_and_unscale_: one launch per
/// device, nothing read back.
torch::Tensor rescale_and_check(const std::vector<torch::Tensor>& gradients,
                                const torch::Tensor& inv_scale) {
  torch::NoGradGuard no_grad;
  std::vector<std::pair<torch::Device, std::vector<torch::Tensor>>> grads_by_device;
  for (const torch::Tensor& grad : gradients) {
    if (!grad.defined()) continue;
    auto it = std::find_if(grads_by_device.begin(), grads_by_device.end(),
                           [&](const auto& entry) { return entry.first == grad.device(); });
    if (it == grads_by_device.end())
      grads_by_device.emplace_back(grad.device(), std::vector<torch::Tensor>{grad});
    else
      it->second.push_back(grad);
  }
  if (grads_by_device.empty()) return torch::zeros({1}, torch::kFloat);
  const torch::Device first = grads_by_device.front().first;
  torch::Tensor found_inf = torch::zeros({1}, torch::TensorOptions().device(first));  // [1]
  for (auto& [device, grads] : grads_by_device) {
    const auto options = torch::TensorOptions().device(device).dtype(torch::kFloat);
    torch::Tensor found = torch::zeros({1}, options);  // [1]
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found,
                                                   inv_scale.defined()
                                                       ? inv_scale.to(device, /*non_blocking=*/true)
                                                       : torch::ones({1}, options));
    found_inf.add_(found.to(first, /*non_blocking=*/true));
  }
  return found_inf.clamp_max_(1.0);
}

torch::Tensor read_entry(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor value;
  if (!archive.try_read(key, value)) {
    throw Error("loss scaler state: missing entry '" + key + "'");
  }
  return value;
}

}  // namespace

torch::Tensor NoOpLossScaler::scale(const torch::Tensor& loss) { return loss; }

torch::Tensor NoOpLossScaler::unscale(const std::vector<torch::Tensor>& gradients) {
  return rescale_and_check(gradients, /*inv_scale=*/{});
}

void NoOpLossScaler::update(const torch::Tensor& /*found_inf*/) {}

void NoOpLossScaler::save(torch::serialize::OutputArchive& /*archive*/) const {}

void NoOpLossScaler::load(torch::serialize::InputArchive& /*archive*/) {}

DynamicLossScaler::DynamicLossScaler(const DynamicLossScalerOptions& options)
    : options_(options),
      scale_(torch::full({1}, options.init_scale, torch::kFloat)),
      growth_tracker_(torch::zeros({1}, torch::kInt)) {
  const bool valid = options.init_scale > 0.0 && options.growth_factor > 1.0 &&
                     options.backoff_factor > 0.0 && options.backoff_factor < 1.0 &&
                     options.growth_interval >= 1;
  if (!valid) {
    throw Error(
        "loss scaler: expected init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1, "
        "growth_interval >= 1; found " +
        std::to_string(options.init_scale) + ", " + std::to_string(options.growth_factor) + ", " +
        std::to_string(options.backoff_factor) + ", " + std::to_string(options.growth_interval));
  }
}

void DynamicLossScaler::move_to(const torch::Device& device) {
  if (scale_.device() == device) return;
  scale_ = scale_.to(device);
  growth_tracker_ = growth_tracker_.to(device);
}

torch::Tensor DynamicLossScaler::scale(const torch::Tensor& loss) {
  move_to(loss.device());
  return loss * scale_.reshape({});  // [] on the loss's device: nothing read
}

double DynamicLossScaler::current_scale() const { return scale_.item<double>(); }

int64_t DynamicLossScaler::growth_tracker() const { return growth_tracker_.item<int64_t>(); }

torch::Tensor DynamicLossScaler::unscale(const std::vector<torch::Tensor>& gradients) {
  for (const torch::Tensor& grad : gradients) {
    if (!grad.defined()) continue;
    move_to(grad.device());
    break;
  }
  // As torch.amp.GradScaler: the reciprocal in double, then float32.
  const torch::Tensor inv_scale = scale_.to(torch::kDouble).reciprocal().to(torch::kFloat);  // [1]
  return rescale_and_check(gradients, inv_scale);
}

void DynamicLossScaler::update(const torch::Tensor& found_inf) {
  at::_amp_update_scale_(scale_, growth_tracker_,
                         found_inf.to(scale_.device(), torch::kFloat, /*non_blocking=*/true),
                         options_.growth_factor, options_.backoff_factor, options_.growth_interval);
}

void DynamicLossScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("scale", scale_.to(torch::kCPU, torch::kDouble).reshape({}));
  archive.write("growth_tracker", growth_tracker_.to(torch::kCPU, torch::kLong).reshape({}));
}

void DynamicLossScaler::load(torch::serialize::InputArchive& archive) {
  const torch::Tensor scale = read_entry(archive, "scale");
  const torch::Tensor tracker = read_entry(archive, "growth_tracker");
  const double loaded_scale = scale.item<double>();
  if (!(loaded_scale > 0.0)) {
    throw Error("loss scaler state: expected a positive 'scale', found " +
                std::to_string(loaded_scale));
  }
  scale_.fill_(loaded_scale);
  growth_tracker_.fill_(tracker.item<int64_t>());
}

std::unique_ptr<LossScaler> make_loss_scaler(bool fp16) {
  if (fp16) {
    return std::make_unique<DynamicLossScaler>();
  }
  return std::make_unique<NoOpLossScaler>();
}

}  // namespace swinpp::optim

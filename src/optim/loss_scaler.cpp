#include "swinpp/optim/loss_scaler.h"

#include <torch/torch.h>

#include <unordered_map>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// Multiplies every defined gradient by `factor` and returns whether all of
/// them are finite afterwards, through LibTorch's fused
/// _amp_foreach_non_finite_check_and_unscale_ (one launch per device), with a
/// single read of each device.
bool rescale_and_check(const std::vector<torch::Tensor>& gradients, double factor) {
  torch::NoGradGuard no_grad;
  std::unordered_map<torch::Device, std::vector<torch::Tensor>> grads_by_device;
  for (const torch::Tensor& grad : gradients) {
    if (grad.defined()) grads_by_device[grad.device()].push_back(grad);
  }
  bool finite = true;
  for (auto& [device, grads] : grads_by_device) {
    const auto options = torch::TensorOptions().device(device).dtype(torch::kFloat);
    torch::Tensor found_inf = torch::zeros({1}, options);               // [1]
    const torch::Tensor inv_scale = torch::full({1}, factor, options);  // [1]
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
    finite = finite && found_inf.item<float>() == 0.0f;
  }
  return finite;
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

bool NoOpLossScaler::unscale_and_check(const std::vector<torch::Tensor>& gradients) {
  return rescale_and_check(gradients, 1.0);
}

void NoOpLossScaler::update(bool /*found_inf*/) {}

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

torch::Tensor DynamicLossScaler::scale(const torch::Tensor& loss) { return loss * current_scale(); }

double DynamicLossScaler::current_scale() const { return scale_.item<double>(); }

int64_t DynamicLossScaler::growth_tracker() const { return growth_tracker_.item<int64_t>(); }

bool DynamicLossScaler::unscale_and_check(const std::vector<torch::Tensor>& gradients) {
  return rescale_and_check(gradients, 1.0 / current_scale());
}

void DynamicLossScaler::update(bool found_inf) {
  const torch::Tensor found = torch::full({1}, found_inf ? 1.0 : 0.0, torch::kFloat);  // [1]
  at::_amp_update_scale_(scale_, growth_tracker_, found, options_.growth_factor,
                         options_.backoff_factor, options_.growth_interval);
}

void DynamicLossScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("scale", scale_.to(torch::kDouble).reshape({}));
  archive.write("growth_tracker", growth_tracker_.to(torch::kLong).reshape({}));
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

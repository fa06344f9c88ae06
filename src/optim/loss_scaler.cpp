#include "swinpp/optim/loss_scaler.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// Multiplies every defined gradient by `factor` (skipped when 1 on the CPU)
/// and returns whether all of them are finite afterwards, with a single device
/// sync. Gradients on one CUDA device go through the fused
/// _amp_foreach_non_finite_check_and_unscale_ kernel.
bool rescale_and_check(const std::vector<torch::Tensor>& params, double factor) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& param : params) {
    if (param.defined() && param.grad().defined()) grads.push_back(param.grad());
  }
  if (grads.empty()) return true;
  const auto device = grads.front().device();
  const bool fused = std::all_of(grads.begin(), grads.end(), [&](const torch::Tensor& g) {
    return g.is_cuda() && g.device() == device && g.is_contiguous();
  });
  if (fused) {
    const auto options = grads.front().options().dtype(torch::kFloat);
    torch::Tensor found_inf = torch::zeros({1}, options);               // [1]
    const torch::Tensor inv_scale = torch::full({1}, factor, options);  // [1]
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
    return found_inf.item<float>() == 0.0f;
  }
  std::vector<torch::Tensor> all_finite;
  for (torch::Tensor& grad : grads) {
    if (factor != 1.0) grad.mul_(factor);
    all_finite.push_back(torch::isfinite(grad).all().to(torch::kCPU));  // []
  }
  return torch::stack(all_finite).all().item<bool>();
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

bool NoOpLossScaler::unscale_and_check(const std::vector<torch::Tensor>& params) {
  return rescale_and_check(params, 1.0);
}

void NoOpLossScaler::update(bool /*found_inf*/) {}

void NoOpLossScaler::save(torch::serialize::OutputArchive& /*archive*/) const {}

void NoOpLossScaler::load(torch::serialize::InputArchive& /*archive*/) {}

DynamicLossScaler::DynamicLossScaler(const DynamicLossScalerOptions& options)
    : options_(options), scale_(options.init_scale) {
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

torch::Tensor DynamicLossScaler::scale(const torch::Tensor& loss) { return loss * scale_; }

bool DynamicLossScaler::unscale_and_check(const std::vector<torch::Tensor>& params) {
  return rescale_and_check(params, 1.0 / scale_);
}

void DynamicLossScaler::update(bool found_inf) {
  if (found_inf) {
    scale_ *= options_.backoff_factor;
    growth_tracker_ = 0;
    return;
  }
  if (++growth_tracker_ == options_.growth_interval) {
    scale_ *= options_.growth_factor;
    growth_tracker_ = 0;
  }
}

void DynamicLossScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("scale", torch::tensor(scale_, torch::kDouble));
  archive.write("growth_tracker", torch::tensor(growth_tracker_, torch::kLong));
}

void DynamicLossScaler::load(torch::serialize::InputArchive& archive) {
  const torch::Tensor scale = read_entry(archive, "scale");
  const torch::Tensor tracker = read_entry(archive, "growth_tracker");
  const double loaded_scale = scale.item<double>();
  if (!(loaded_scale > 0.0)) {
    throw Error("loss scaler state: expected a positive 'scale', found " +
                std::to_string(loaded_scale));
  }
  scale_ = loaded_scale;
  growth_tracker_ = tracker.item<int64_t>();
}

std::unique_ptr<LossScaler> make_loss_scaler(bool fp16) {
  if (fp16) {
    return std::make_unique<DynamicLossScaler>();
  }
  return std::make_unique<NoOpLossScaler>();
}

}  // namespace swinpp::optim

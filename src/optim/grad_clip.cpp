#include "swinpp/optim/grad_clip.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace swinpp::optim {
namespace {

constexpr double kClipEpsilon = 1e-6;

std::vector<torch::Tensor> defined_grads(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& param : params) {
    if (param.defined() && param.grad().defined()) {
      grads.push_back(param.grad());
    }
  }
  return grads;
}

/// sqrt(sum ||g||^2) through the multi-tensor norm kernel, as
/// torch.nn.utils.clip_grad_norm_(foreach=True); one read of the device.
double total_norm(const std::vector<torch::Tensor>& grads) {
  if (grads.empty()) {
    return 0.0;
  }
  torch::NoGradGuard no_grad;
  const torch::Device device = grads.front().device();
  const bool reduced = std::any_of(grads.begin(), grads.end(), [](const torch::Tensor& g) {
    return g.scalar_type() == torch::kHalf || g.scalar_type() == torch::kBFloat16;
  });
  std::vector<torch::Tensor> norms = at::_foreach_norm(
      grads, 2, reduced ? std::optional<c10::ScalarType>(torch::kFloat) : std::nullopt);  // [] each
  for (torch::Tensor& norm : norms) norm = norm.to(device);
  return torch::stack(norms).norm().item<double>();  // [num_grads] -> []
}

}  // namespace

double grad_norm(const std::vector<torch::Tensor>& params) {
  return total_norm(defined_grads(params));
}

double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  const std::vector<torch::Tensor> grads = defined_grads(params);
  const double norm = total_norm(grads);
  if (!std::isfinite(norm)) {
    spdlog::debug("gradient norm is {}; gradients left unclipped", norm);
    return norm;
  }
  if (max_norm > 0.0) {
    const double coefficient = max_norm / (norm + kClipEpsilon);
    if (coefficient < 1.0) {
      torch::NoGradGuard no_grad;
      at::_foreach_mul_(grads, coefficient);
    }
  }
  return norm;
}

}  // namespace swinpp::optim

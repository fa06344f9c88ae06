#include "swinpp/optim/grad_clip.h"

#include <torch/torch.h>

#include <algorithm>
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
/// torch.nn.utils.clip_grad_norm_(foreach=True).
torch::Tensor total_norm(const std::vector<torch::Tensor>& grads) {
  if (grads.empty()) {
    return torch::zeros({}, torch::kFloat);
  }
  torch::NoGradGuard no_grad;
  const torch::Device device = grads.front().device();
  const bool reduced = std::any_of(grads.begin(), grads.end(), [](const torch::Tensor& g) {
    return g.scalar_type() == torch::kHalf || g.scalar_type() == torch::kBFloat16;
  });
  std::vector<torch::Tensor> norms = at::_foreach_norm(
      grads, 2, reduced ? std::optional<c10::ScalarType>(torch::kFloat) : std::nullopt);  // [] each
  // Gradients on other devices (rare) bring their norms to the first one.
  for (torch::Tensor& norm : norms)
    if (norm.device() != device) norm = norm.to(device, /*non_blocking=*/true);
  return torch::stack(norms).norm().to(torch::kFloat);  // [num_grads] -> []
}

}  // namespace

torch::Tensor grad_norm(const std::vector<torch::Tensor>& params) {
  return total_norm(defined_grads(params));
}

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  const std::vector<torch::Tensor> grads = defined_grads(params);
  torch::Tensor norm = total_norm(grads);  // []
  clip_to_norm(grads, norm, max_norm);
  return norm;
}

void clip_to_norm(const std::vector<torch::Tensor>& gradients, const torch::Tensor& norm,
                  double max_norm) {
  if (max_norm <= 0.0 || gradients.empty()) return;
  torch::NoGradGuard no_grad;
  // min(1, max_norm / (norm + eps)) where the norm is finite, 1 where it is not.
  const torch::Tensor coefficient =
      torch::where(torch::isfinite(norm), (max_norm / (norm + kClipEpsilon)).clamp_max(1.0),
                   torch::ones_like(norm))
          .reshape({});  // []
  at::_foreach_mul_(gradients, coefficient);
}

}  // namespace swinpp::optim

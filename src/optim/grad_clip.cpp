#include "swinpp/optim/grad_clip.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cmath>

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

double total_norm(const std::vector<torch::Tensor>& grads) {
  if (grads.empty()) {
    return 0.0;
  }
  const torch::Device device = grads.front().device();
  std::vector<torch::Tensor> norms;
  norms.reserve(grads.size());
  for (const torch::Tensor& grad : grads) {
    const torch::Tensor wide = grad.scalar_type() == torch::kDouble ? grad : grad.to(torch::kFloat);
    norms.push_back(wide.norm().to(device));  // []
  }
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
      for (const torch::Tensor& grad : grads) {
        grad.mul_(coefficient);
      }
    }
  }
  return norm;
}

}  // namespace swinpp::optim

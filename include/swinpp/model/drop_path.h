#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace swinpp {

/// Stochastic depth: in training, zeroes whole samples with probability `prob`
/// and scales the survivors by 1/(1-prob); the identity in eval mode.
class DropPathImpl : public torch::nn::Module {
 public:
  explicit DropPathImpl(double prob = 0.0) : prob(prob) {}
  /// x: [B, ...]. Returns a tensor of the same shape.
  torch::Tensor forward(const torch::Tensor& x);
  /// residual + forward(x) (residual, x: [B, ...]), with the per-sample scale
  /// applied inside the addition: one pass over the tensors.
  torch::Tensor add_to(const torch::Tensor& residual, const torch::Tensor& x);
  double prob;
};
TORCH_MODULE(DropPath);

}  // namespace swinpp

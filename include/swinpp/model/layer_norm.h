#pragma once

#include <torch/nn/modules/normalization.h>

namespace swinpp {

/// LayerNorm that takes its input in the dtype of its weights. Under autocast
/// the input of a norm may be bfloat16 while the weights stay float32, which
/// LibTorch 1.13's CPU kernel rejects; normalising in float32 is also what
/// autocast does for layer_norm on CUDA. A no-op without autocast.
inline torch::Tensor layer_norm(torch::nn::LayerNormImpl& norm, const torch::Tensor& x) {
  const auto dtype = norm.weight.scalar_type();
  return norm.forward(x.scalar_type() == dtype ? x : x.to(dtype));
}

}  // namespace swinpp

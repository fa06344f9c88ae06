#include "swinpp/model/mlp.h"

#include <torch/torch.h>

#include "swinpp/model/non_finite_trace.h"

namespace swinpp {

MlpImpl::MlpImpl(int64_t dim, int64_t hidden, double drop) {
  fc1_ = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, dim));
  drop_ = register_module("drop", torch::nn::Dropout(drop));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  // at::linear, not fc->forward: the bias is added by the matrix multiply
  // (addmm) instead of a pass of its own (LibTorch's C++ Linear: matmul, then +=).
  auto h = drop_->forward(torch::gelu(
      trace_non_finite(*fc1_, x, at::linear(x, fc1_->weight, fc1_->bias))));  // [..., hidden]
  auto out = drop_->forward(
      trace_non_finite(*fc2_, h, at::linear(h, fc2_->weight, fc2_->bias)));  // [..., C]
  return trace_non_finite(*this, x, out);
}

}  // namespace swinpp

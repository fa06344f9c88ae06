#include "swinpp/model/drop_path.h"

#include <torch/torch.h>

namespace swinpp {

namespace {

/// [B, 1, ...] in x's dtype: 0 with probability `prob`, else 1/(1-prob).
torch::Tensor sample_scales(const torch::Tensor& x, double prob) {
  const double keep = 1.0 - prob;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  return torch::empty(shape, x.options()).bernoulli_(keep).div_(keep);
}

}  // namespace

torch::Tensor DropPathImpl::forward(const torch::Tensor& x) {
  if (prob <= 0.0 || !is_training()) return x;
  return x * sample_scales(x, prob);
}

torch::Tensor DropPathImpl::add_to(const torch::Tensor& residual, const torch::Tensor& x) {
  if (prob <= 0.0 || !is_training()) return residual + x;
  return torch::addcmul(residual, x, sample_scales(x, prob));
}

}  // namespace swinpp

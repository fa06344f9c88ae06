#include "swinpp/model/drop_path.h"

#include <torch/torch.h>

namespace swinpp {

torch::Tensor DropPathImpl::forward(const torch::Tensor& x) {
  if (prob <= 0.0 || !is_training()) return x;
  const double keep = 1.0 - prob;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  // [B, 1, ...]: 0 or 1/keep, so that x is read and written once.
  auto scale = torch::empty(shape, x.options()).bernoulli_(keep).div_(keep);
  return x * scale;
}

}  // namespace swinpp

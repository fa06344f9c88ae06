#include "swinpp/model/drop_path.h"

#include <torch/torch.h>

namespace swinpp {

torch::Tensor DropPathImpl::forward(const torch::Tensor& x) {
  if (prob <= 0.0 || !is_training()) return x;
  const double keep = 1.0 - prob;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  auto keep_mask = torch::empty(shape, x.options()).bernoulli_(keep);  // [B, 1, ...]
  return x * keep_mask / keep;
}

}  // namespace swinpp

#include "swinpp/train/mask_generator.h"

#include <torch/torch.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::train {

MaskGenerator::MaskGenerator(int64_t img_size, int64_t mask_patch_size, int64_t model_patch_size,
                             double ratio) {
  if (mask_patch_size <= 0 || img_size % mask_patch_size != 0)
    throw Error("DATA.IMG_SIZE " + std::to_string(img_size) +
                " must be a multiple of DATA.MASK_PATCH_SIZE " + std::to_string(mask_patch_size));
  if (model_patch_size <= 0 || mask_patch_size % model_patch_size != 0)
    throw Error("DATA.MASK_PATCH_SIZE " + std::to_string(mask_patch_size) +
                " must be a multiple of MODEL.SWINV2.PATCH_SIZE " +
                std::to_string(model_patch_size));
  if (!(ratio >= 0.0 && ratio <= 1.0))
    throw Error("DATA.MASK_RATIO must be in [0, 1], got " + std::to_string(ratio));
  cells_ = img_size / mask_patch_size;
  scale_ = mask_patch_size / model_patch_size;
  mask_count_ = static_cast<int64_t>(std::ceil(static_cast<double>(cells_ * cells_) * ratio));
}

torch::Tensor MaskGenerator::operator()(std::mt19937_64& gen) const {
  const int64_t n = cells_ * cells_;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Partial Fisher-Yates: the first mask_count_ entries are a uniform choice.
  for (int64_t i = 0; i < mask_count_; ++i) {
    std::uniform_int_distribution<int64_t> pick(i, n - 1);
    std::swap(order[i], order[pick(gen)]);
  }
  auto cells = torch::zeros({cells_, cells_}, torch::kInt64);
  auto* data = cells.data_ptr<int64_t>();
  for (int64_t i = 0; i < mask_count_; ++i) data[order[i]] = 1;
  return cells.repeat_interleave(scale_, 0).repeat_interleave(scale_, 1);  // [S/p, S/p]
}

}  // namespace swinpp::train

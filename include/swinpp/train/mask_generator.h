#pragma once

#include <torch/types.h>

#include <cstdint>
#include <random>

namespace swinpp::train {

/// SimMIM's random masking (Xie et al. 2022): the image is cut into cells of
/// `mask_patch_size` pixels, ceil(cells * ratio) of them are chosen uniformly,
/// and the mask is returned at model-patch resolution.
class MaskGenerator {
 public:
  /// Throws swinpp::Error naming DATA.IMG_SIZE / DATA.MASK_PATCH_SIZE when the
  /// sizes do not divide, or DATA.MASK_RATIO when it is outside [0, 1].
  MaskGenerator(int64_t img_size, int64_t mask_patch_size, int64_t model_patch_size, double ratio);

  /// One mask [img/model_patch, img/model_patch] int64, 1 = masked.
  torch::Tensor operator()(std::mt19937_64& gen) const;

  /// Masked cells per sample.
  int64_t masked_cells() const { return mask_count_; }
  /// Cells per side.
  int64_t cells_per_side() const { return cells_; }

 private:
  int64_t cells_, scale_, mask_count_;
};

}  // namespace swinpp::train

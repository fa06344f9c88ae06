#pragma once

#include "swinpp/data/random.h"

namespace swinpp::data {

/// An integer rectangle of an image.
struct CropBox {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

/// RandomResizedCrop's sampling ranges: area fraction (timm/torchvision
/// default 0.08-1, SimMIM 0.67-1) and aspect ratio (drawn log-uniformly).
struct RandomResizedCropOptions {
  double scale_min = 0.08;
  double scale_max = 1.0;
  double ratio_min = 3.0 / 4.0;
  double ratio_max = 4.0 / 3.0;
};

/// torchvision's RandomResizedCrop.get_params: up to 10 attempts at a box of
/// random area and log-uniform aspect that fits, then the centre crop clipped
/// to the ratio range. Sizes round half to even, as Python's round.
CropBox sample_random_resized_crop(int width, int height, const RandomResizedCropOptions& options,
                                   Generator& gen);

/// Evaluation geometry: the size the image is resized to and the window kept.
struct EvalGeometry {
  int resized_width = 0;
  int resized_height = 0;
  CropBox crop;
};

/// Swin's evaluation transform: with `center_crop`, Resize(int(256/224 * S))
/// on the shorter side (torchvision's rounding) then CenterCrop(S); without,
/// a direct resize to S x S. Throws swinpp::Error on a non-positive size.
EvalGeometry eval_geometry(int width, int height, int img_size, bool center_crop);

}  // namespace swinpp::data

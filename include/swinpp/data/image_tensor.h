#pragma once

#include <torch/types.h>

#include <array>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// Per-channel mean and standard deviation of normalisation (ImageNet's by default).
struct Normalization {
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};

  /// Channel c maps an 8-bit value v to v * scale(c) + shift(c), which is
  /// (v / 255 - mean) / std up to float rounding.
  float scale(int c) const { return 1.0f / (255.0f * std[c]); }
  /// See scale().
  float shift(int c) const { return -mean[c] / std[c]; }
};

/// Writes v * scale(c) + shift(c), i.e. (v / 255 - mean) / std as torchvision's
/// ToTensor + Normalize, of each channel as float CHW to `out` ([3, height, width]).
void normalize_to_chw(const Image& image, const Normalization& normalization, float* out);

/// normalize_to_chw into a new float tensor [3, height, width].
torch::Tensor to_normalized_tensor(const Image& image, const Normalization& normalization = {});

/// The pixels as a uint8 tensor [height, width, 3] (a copy).
torch::Tensor image_to_tensor(const Image& image);

/// An image from a uint8 tensor [height, width, 3] or [3, height, width]
/// (CPU, any strides). Throws swinpp::Error on another dtype or shape.
Image tensor_to_image(const torch::Tensor& tensor);

/// Undoes `normalization` on a float tensor [3, H, W] and rounds to 8 bits,
/// clamping to 0..255: the picture a normalised sample shows.
Image denormalize_to_image(const torch::Tensor& chw, const Normalization& normalization = {});

}  // namespace swinpp::data

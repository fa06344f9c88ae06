#pragma once

#include <string>

#include "swinpp/data/crop_geometry.h"
#include "swinpp/data/image_tensor.h"
#include "swinpp/data/resample.h"
#include "swinpp/data/transforms.h"

namespace swinpp::data {

/// Settings of the evaluation transform (Swin's DATA.IMG_SIZE, TEST.CROP,
/// DATA.INTERPOLATION).
struct EvalTransformOptions {
  int img_size = 224;
  bool center_crop = true;
  Interpolation interpolation = Interpolation::kBicubic;
  Normalization normalization;
};

/// Swin's evaluation transform: resize the shorter side to int(256/224 * S)
/// and take the centre S x S (or resize straight to S x S without
/// center_crop), then normalise. Only the kept window is resampled. JPEGs are
/// decoded at full size as PIL decodes them (DecodeFidelity::kPil), so the
/// result is torchvision's with PIL to within one level of 255.
/// Deterministic: the generator is not drawn from.
class EvalTransform : public ImageTransform {
 public:
  /// Throws swinpp::Error when img_size is not positive.
  explicit EvalTransform(EvalTransformOptions options);

  // ImageTransform (documented there).
  int output_size() const override { return options_.img_size; }
  void apply(const uint8_t* data, size_t size, const std::string& name, Generator& gen,
             float* out) const override;
  void apply_image(const Image& image, Generator& gen, float* out) const override;

  /// The settings in use.
  const EvalTransformOptions& options() const { return options_; }

 private:
  EvalTransformOptions options_;
};

}  // namespace swinpp::data

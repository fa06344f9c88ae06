#pragma once

#include <memory>
#include <optional>
#include <string>

#include "swinpp/data/color_jitter.h"
#include "swinpp/data/crop_geometry.h"
#include "swinpp/data/image_tensor.h"
#include "swinpp/data/rand_augment.h"
#include "swinpp/data/random_erasing.h"
#include "swinpp/data/resample.h"
#include "swinpp/data/transforms.h"

namespace swinpp::data {

/// Settings of the training transform; the defaults are Swin's fine-tuning
/// recipe (timm's create_transform with Swin's AUG defaults).
struct TrainTransformOptions {
  int img_size = 224;
  RandomResizedCropOptions crop;
  Interpolation interpolation = Interpolation::kBicubic;
  double hflip_probability = 0.5;
  /// Brightness/contrast/saturation strength; as in timm it applies only when
  /// auto_augment is off.
  double color_jitter = 0.4;
  /// RandAugment policy; "" or "none" turns it off.
  std::string auto_augment = "rand-m9-mstd0.5-inc1";
  RandomErasingOptions erasing;
  Normalization normalization;

  /// SimMIM pre-training: RandomResizedCrop(scale 0.67-1, bilinear as
  /// torchvision's default), flip, normalise; no jitter, RandAugment or erasing.
  static TrainTransformOptions simmim(int img_size);
  /// Crop, flip and normalise only (the pipeline the data benchmark times).
  static TrainTransformOptions crop_flip(int img_size, Interpolation interpolation);
};

/// timm's training transform: RandomResizedCrop -> horizontal flip ->
/// RandAugment (or ColorJitter) -> ToTensor + Normalize -> RandomErasing.
/// The crop is drawn from the header's size first, then decoded and resampled
/// as decode_resampled does (reduced DCT scale when the crop allows, crop
/// only). Without RandAugment or jitter, colour conversion, flip and
/// normalisation run as one pass with the same result.
class TrainTransform : public ImageTransform {
 public:
  /// Throws swinpp::Error on a bad size, probability or policy.
  explicit TrainTransform(TrainTransformOptions options);

  // ImageTransform (documented there).
  int output_size() const override { return options_.img_size; }
  void apply(const uint8_t* data, size_t size, const std::string& name, Generator& gen,
             float* out) const override;
  void apply_image(const Image& image, Generator& gen, float* out) const override;

  /// The settings in use.
  const TrainTransformOptions& options() const { return options_; }

 private:
  /// The resampling of `crop` to S x S.
  ResampleSpec crop_spec(const CropBox& crop) const;
  /// Everything after the crop: flip, RandAugment or jitter, normalise, erase.
  void finish(Image image, Generator& gen, float* out) const;

  TrainTransformOptions options_;
  std::optional<RandAugment> rand_augment_;
  std::optional<ColorJitter> color_jitter_;
};

}  // namespace swinpp::data

#include "swinpp/data/train_transform.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "resampled_pixels.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

TrainTransformOptions TrainTransformOptions::simmim(int img_size) {
  TrainTransformOptions options;
  options.img_size = img_size;
  options.crop.scale_min = 0.67;
  options.interpolation = Interpolation::kBilinear;
  options.color_jitter = 0.0;
  options.auto_augment.clear();
  options.erasing.probability = 0.0;
  return options;
}

TrainTransformOptions TrainTransformOptions::crop_flip(int img_size, Interpolation interpolation) {
  TrainTransformOptions options;
  options.img_size = img_size;
  options.interpolation = interpolation;
  options.color_jitter = 0.0;
  options.auto_augment.clear();
  options.erasing.probability = 0.0;
  return options;
}

TrainTransform::TrainTransform(TrainTransformOptions options) : options_(std::move(options)) {
  const RandomResizedCropOptions& crop = options_.crop;
  if (options_.img_size <= 0 || !(crop.scale_min > 0.0) || crop.scale_max < crop.scale_min ||
      !(crop.ratio_min > 0.0) || crop.ratio_max < crop.ratio_min) {
    throw Error(
        "train transform: expected img_size > 0, 0 < scale_min <= scale_max and 0 < "
        "ratio_min <= ratio_max, found img_size " +
        std::to_string(options_.img_size) + ", scale [" + std::to_string(crop.scale_min) + ", " +
        std::to_string(crop.scale_max) + "], ratio [" + std::to_string(crop.ratio_min) + ", " +
        std::to_string(crop.ratio_max) + "]");
  }
  if (options_.hflip_probability < 0.0 || options_.hflip_probability > 1.0 ||
      options_.erasing.probability < 0.0 || options_.erasing.probability > 1.0) {
    throw Error("train transform: expected flip and erasing probabilities in [0, 1], found " +
                std::to_string(options_.hflip_probability) + " and " +
                std::to_string(options_.erasing.probability));
  }
  if (!options_.auto_augment.empty() && options_.auto_augment != "none") {
    RandAugmentHparams hparams;
    for (int c = 0; c < 3; ++c) {
      hparams.fill[c] = static_cast<uint8_t>(
          std::min(255.0, std::nearbyint(255.0 * options_.normalization.mean[c])));
    }
    rand_augment_.emplace(options_.auto_augment, hparams);
  } else if (options_.color_jitter > 0.0) {
    color_jitter_.emplace(options_.color_jitter);
  }
}

void TrainTransform::apply(const uint8_t* data, size_t size, const std::string& name,
                           Generator& gen, float* out) const {
  const ImageInfo info = read_image_info(data, size, name);
  const CropBox crop = sample_random_resized_crop(info.width, info.height, options_.crop, gen);
  thread_local ResampledPixels pixels;
  decode_resample_pixels(data, size, info, crop_spec(crop), name, pixels);
  if (rand_augment_ || color_jitter_) {
    finish(to_rgb_image(pixels), gen, out);
    return;
  }
  // Nothing works on 8-bit RGB: flip and normalise straight from the pixels.
  const bool mirror = bernoulli(gen, options_.hflip_probability);
  to_normalized_chw(pixels, options_.normalization, mirror, out);
  random_erase(out, 3, options_.img_size, options_.img_size, options_.erasing, gen);
}

void TrainTransform::apply_image(const Image& image, Generator& gen, float* out) const {
  const CropBox crop = sample_random_resized_crop(image.width, image.height, options_.crop, gen);
  finish(resample(image, crop_spec(crop)), gen, out);
}

ResampleSpec TrainTransform::crop_spec(const CropBox& crop) const {
  ResampleSpec spec;
  spec.box = SourceBox{static_cast<double>(crop.x), static_cast<double>(crop.y),
                       static_cast<double>(crop.x + crop.width),
                       static_cast<double>(crop.y + crop.height)};
  spec.out_width = spec.out_height = options_.img_size;
  spec.interpolation = options_.interpolation;
  return spec;
}

void TrainTransform::finish(Image image, Generator& gen, float* out) const {
  if (bernoulli(gen, options_.hflip_probability)) flip_horizontal(image);
  if (rand_augment_) {
    rand_augment_->apply(image, gen);
  } else if (color_jitter_) {
    color_jitter_->apply(image, gen);
  }
  normalize_to_chw(image, options_.normalization, out);
  random_erase(out, 3, options_.img_size, options_.img_size, options_.erasing, gen);
}

}  // namespace swinpp::data

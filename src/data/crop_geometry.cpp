#include "swinpp/data/crop_geometry.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Python's round(): half to even (the default floating-point rounding mode).
int round_half_even(double value) { return static_cast<int>(std::nearbyint(value)); }

}  // namespace

CropBox sample_random_resized_crop(int width, int height, const RandomResizedCropOptions& options,
                                   Generator& gen) {
  if (width <= 0 || height <= 0) {
    throw Error("random resized crop: expected a non-empty image, found " + std::to_string(width) +
                "x" + std::to_string(height));
  }
  const double area = static_cast<double>(width) * height;
  const double log_ratio_min = std::log(options.ratio_min);
  const double log_ratio_max = std::log(options.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * uniform(gen, options.scale_min, options.scale_max);
    const double aspect = std::exp(uniform(gen, log_ratio_min, log_ratio_max));
    const int w = round_half_even(std::sqrt(target_area * aspect));
    const int h = round_half_even(std::sqrt(target_area / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int y = static_cast<int>(uniform_int(gen, 0, height - h));
      const int x = static_cast<int>(uniform_int(gen, 0, width - w));
      return CropBox{x, y, w, h};
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w = width;
  int h = height;
  if (in_ratio < options.ratio_min) {
    h = round_half_even(w / options.ratio_min);
  } else if (in_ratio > options.ratio_max) {
    w = round_half_even(h * options.ratio_max);
  }
  return CropBox{(width - w) / 2, (height - h) / 2, w, h};
}

EvalGeometry eval_geometry(int width, int height, int img_size, bool center_crop) {
  if (width <= 0 || height <= 0 || img_size <= 0) {
    throw Error("eval geometry: expected positive sizes, found image " + std::to_string(width) +
                "x" + std::to_string(height) + " and img_size " + std::to_string(img_size));
  }
  EvalGeometry geometry;
  if (!center_crop) {
    geometry.resized_width = geometry.resized_height = img_size;
    geometry.crop = CropBox{0, 0, img_size, img_size};
    return geometry;
  }
  const int shorter_target = static_cast<int>(256.0 / 224.0 * img_size);
  if (width <= height) {
    geometry.resized_width = shorter_target;
    geometry.resized_height =
        static_cast<int>(static_cast<int64_t>(shorter_target) * height / width);
  } else {
    geometry.resized_height = shorter_target;
    geometry.resized_width =
        static_cast<int>(static_cast<int64_t>(shorter_target) * width / height);
  }
  geometry.crop.width = geometry.crop.height = img_size;
  geometry.crop.x = round_half_even((geometry.resized_width - img_size) / 2.0);
  geometry.crop.y = round_half_even((geometry.resized_height - img_size) / 2.0);
  return geometry;
}

}  // namespace swinpp::data

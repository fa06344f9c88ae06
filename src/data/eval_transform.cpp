#include "swinpp/data/eval_transform.h"

#include "resampled_pixels.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Resampling of a whole width x height image as if to the geometry's resized
/// size, keeping only its crop window.
ResampleSpec resize_and_crop(int width, int height, const EvalGeometry& geometry,
                             Interpolation interpolation) {
  ResampleSpec spec;
  spec.box = SourceBox{0.0, 0.0, static_cast<double>(width), static_cast<double>(height)};
  spec.out_width = geometry.resized_width;
  spec.out_height = geometry.resized_height;
  spec.window_x = geometry.crop.x;
  spec.window_y = geometry.crop.y;
  spec.window_width = geometry.crop.width;
  spec.window_height = geometry.crop.height;
  spec.interpolation = interpolation;
  return spec;
}

}  // namespace

EvalTransform::EvalTransform(EvalTransformOptions options) : options_(std::move(options)) {
  if (options_.img_size <= 0) {
    throw Error("eval transform: expected img_size > 0, found " +
                std::to_string(options_.img_size));
  }
}

void EvalTransform::apply(const uint8_t* data, size_t size, const std::string& name, Generator& gen,
                          float* out) const {
  const ImageInfo info = read_image_info(data, size, name);
  const EvalGeometry geometry =
      eval_geometry(info.width, info.height, options_.img_size, options_.center_crop);
  const ResampleSpec spec =
      resize_and_crop(info.width, info.height, geometry, options_.interpolation);
  thread_local ResampledPixels pixels;
  decode_resample_pixels(data, size, info, spec, name, pixels, DecodeFidelity::kPil);
  to_normalized_chw(pixels, options_.normalization, false, out);
}

void EvalTransform::apply_image(const Image& image, Generator& gen, float* out) const {
  const EvalGeometry geometry =
      eval_geometry(image.width, image.height, options_.img_size, options_.center_crop);
  const ResampleSpec spec =
      resize_and_crop(image.width, image.height, geometry, options_.interpolation);
  normalize_to_chw(resample(image, spec), options_.normalization, out);
}

}  // namespace swinpp::data

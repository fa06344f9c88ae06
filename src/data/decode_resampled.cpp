#include "swinpp/data/decode_resampled.h"

#include <cmath>

#include "jpeg_decoder.h"
#include "pixel_plane.h"
#include "resampled_pixels.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// `spec` with its box scaled by (sx, sy).
ResampleSpec scaled_spec(const ResampleSpec& spec, double sx, double sy) {
  ResampleSpec scaled = spec;
  scaled.box = SourceBox{spec.box.x0 * sx, spec.box.y0 * sy, spec.box.x1 * sx, spec.box.y1 * sy};
  return scaled;
}

/// Resamples every plane of a full-size JPEG into `out`.
void resample_jpeg_planes(const JpegPlanes& planes, const ResampleSpec& spec,
                          ResampledPixels& out) {
  out.count = planes.count;
  for (int c = 0; c < planes.count; ++c) {
    // Chroma planes cover the MCU-padded luma plane: scale by their ratio to it.
    const double cx = static_cast<double>(planes.plane_width[c]) / planes.plane_width[0];
    const double cy = static_cast<double>(planes.plane_height[c]) / planes.plane_height[0];
    PixelPlane plane;
    plane.data = planes.data[c].data();
    plane.width = c == 0 ? planes.width : planes.plane_width[c];
    plane.height = c == 0 ? planes.height : planes.plane_height[c];
    plane.stride = static_cast<size_t>(planes.plane_width[c]);
    plane.channels = 1;
    out.planes[c].resize(static_cast<size_t>(out.width) * out.height);
    resample_plane(plane, scaled_spec(spec, cx, cy), out.planes[c].data());
  }
}

}  // namespace

void decode_resample_pixels(const uint8_t* data, size_t size, const ImageInfo& info,
                            const ResampleSpec& spec, const std::string& name, ResampledPixels& out,
                            DecodeFidelity fidelity) {
  window_size(spec, &out.width, &out.height);
  if (out.width <= 0 || out.height <= 0 || !(spec.box.x1 > spec.box.x0) ||
      !(spec.box.y1 > spec.box.y0)) {
    throw Error("decode_resampled " + name + ": expected a non-empty box and window");
  }
  // The smallest decoded size that keeps the box at least as large as the output.
  const int min_width = static_cast<int>(
      std::ceil(static_cast<double>(spec.out_width) * info.width / (spec.box.x1 - spec.box.x0)));
  const int min_height = static_cast<int>(
      std::ceil(static_cast<double>(spec.out_height) * info.height / (spec.box.y1 - spec.box.y0)));
  thread_local Image decoded;
  double scale = 1.0;
  if (info.format == ImageFormat::kJpeg && fidelity == DecodeFidelity::kPil) {
    decode_jpeg_into(data, size, info.width, info.height, name, JpegScales::kFast, decoded);
  } else if (info.format == ImageFormat::kJpeg) {
    // At full size, the planes skip the decoder's colour conversion; at a
    // reduced DCT scale the decoder keeps chroma sharper (its chroma IDCT is
    // scaled less than the luma's), so it decodes to RGB.
    const JpegScale chosen = choose_jpeg_scale(info.width, info.height, min_width, min_height);
    thread_local JpegPlanes planes;
    if (chosen.num == chosen.denom && decode_jpeg_planes(data, size, name, planes)) {
      resample_jpeg_planes(planes, spec, out);
      return;
    }
    // A DCT-scaled pixel i covers source pixels [i, i + 1) * denom / num.
    const JpegScale used =
        decode_jpeg_into(data, size, min_width, min_height, name, JpegScales::kFast, decoded);
    scale = static_cast<double>(used.num) / used.denom;
  } else {
    decode_image_into(data, size, min_width, min_height, name, decoded);
  }
  out.count = 0;
  out.planes[0].resize(static_cast<size_t>(out.width) * out.height * 3);
  resample_plane(
      PixelPlane{decoded.pixels.data(), decoded.width, decoded.height, decoded.stride(), 3},
      scaled_spec(spec, scale, scale), out.planes[0].data());
}

Image decode_resampled(const uint8_t* data, size_t size, const ImageInfo& info,
                       const ResampleSpec& spec, const std::string& name, DecodeFidelity fidelity) {
  thread_local ResampledPixels pixels;
  decode_resample_pixels(data, size, info, spec, name, pixels, fidelity);
  return to_rgb_image(pixels);
}

}  // namespace swinpp::data

// Resampling of raw 8-bit pixel planes (1 or 3 interleaved channels): the
// engine behind resample() on RGB images and behind the per-plane resampling
// of JPEG YCbCr data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "swinpp/data/resample.h"

namespace swinpp::data {

/// A read-only view of 8-bit pixels: `channels` interleaved values per pixel,
/// rows `stride` bytes apart.
struct PixelPlane {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  size_t stride = 0;
  int channels = 3;
};

/// The window's width and height, with spec's 0 defaults resolved.
void window_size(const ResampleSpec& spec, int* width, int* height);

/// Resamples `plane` as resample() does, writing the window to `out`
/// ([window_height, window_width, channels], contiguous). Throws swinpp::Error
/// on an empty box or a window outside the output.
void resample_plane(const PixelPlane& plane, const ResampleSpec& spec, uint8_t* out);

}  // namespace swinpp::data

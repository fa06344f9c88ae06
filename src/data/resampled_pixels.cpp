#include "resampled_pixels.h"

#include <algorithm>

namespace swinpp::data {

namespace {

// libjpeg's JFIF YCbCr -> RGB in 16-bit fixed point (jdcolor.c):
// FIX(1.40200), FIX(0.34414), FIX(0.71414), FIX(1.77200) and one half.
constexpr int32_t kCrToR = 91881;
constexpr int32_t kCbToG = 22554;
constexpr int32_t kCrToG = 46802;
constexpr int32_t kCbToB = 116130;
constexpr int32_t kHalf = 1 << 15;

inline int32_t clamp_byte(int32_t v) { return std::min(std::max(v, 0), 255); }

/// One row of YCbCr (or luma) to R, G, B values, written to three int rows.
/// Integer arithmetic only, in a form the compiler vectorises.
__attribute__((target_clones("avx2", "default"))) void ycc_row_to_rgb(
    const uint8_t* __restrict y, const uint8_t* __restrict cb, const uint8_t* __restrict cr,
    int width, int32_t* __restrict r, int32_t* __restrict g, int32_t* __restrict b) {
  if (cb == nullptr) {
    for (int x = 0; x < width; ++x) r[x] = g[x] = b[x] = y[x];
    return;
  }
  for (int x = 0; x < width; ++x) {
    const int32_t luma = y[x];
    const int32_t u = cb[x] - 128;
    const int32_t v = cr[x] - 128;
    r[x] = clamp_byte(luma + ((kCrToR * v + kHalf) >> 16));
    g[x] = clamp_byte(luma + ((-kCbToG * u - kCrToG * v + kHalf) >> 16));
    b[x] = clamp_byte(luma + ((kCbToB * u + kHalf) >> 16));
  }
}

/// out[x] = value * scale + shift (see NormalizedScale), the row reversed when `mirror`.
__attribute__((target_clones("avx2", "default"))) void normalize_row(
    const int32_t* __restrict values, int width, float scale, float shift, bool mirror,
    float* __restrict out) {
  if (mirror) {
    for (int x = 0; x < width; ++x)
      out[x] = static_cast<float>(values[width - 1 - x]) * scale + shift;
  } else {
    for (int x = 0; x < width; ++x) out[x] = static_cast<float>(values[x]) * scale + shift;
  }
}

/// Row `row` as R, G, B ints, from either layout.
void rgb_row(const ResampledPixels& pixels, int row, int32_t* r, int32_t* g, int32_t* b) {
  const size_t offset = static_cast<size_t>(row) * pixels.width;
  if (pixels.count == 0) {
    const uint8_t* p = pixels.planes[0].data() + offset * 3;
    for (int x = 0; x < pixels.width; ++x, p += 3) {
      r[x] = p[0];
      g[x] = p[1];
      b[x] = p[2];
    }
    return;
  }
  const bool color = pixels.count == 3;
  ycc_row_to_rgb(pixels.planes[0].data() + offset,
                 color ? pixels.planes[1].data() + offset : nullptr,
                 color ? pixels.planes[2].data() + offset : nullptr, pixels.width, r, g, b);
}

}  // namespace

Image to_rgb_image(const ResampledPixels& pixels) {
  Image image(pixels.width, pixels.height);
  std::vector<int32_t> rows(static_cast<size_t>(pixels.width) * 3);
  int32_t* r = rows.data();
  int32_t* g = r + pixels.width;
  int32_t* b = g + pixels.width;
  for (int y = 0; y < pixels.height; ++y) {
    rgb_row(pixels, y, r, g, b);
    uint8_t* p = image.row(y);
    for (int x = 0; x < pixels.width; ++x, p += 3) {
      p[0] = static_cast<uint8_t>(r[x]);
      p[1] = static_cast<uint8_t>(g[x]);
      p[2] = static_cast<uint8_t>(b[x]);
    }
  }
  return image;
}

void to_normalized_chw(const ResampledPixels& pixels, const Normalization& normalization,
                       bool mirror, float* out) {
  thread_local std::vector<int32_t> rows;
  rows.resize(static_cast<size_t>(pixels.width) * 3);
  const std::array<int32_t*, 3> channel = {rows.data(), rows.data() + pixels.width,
                                           rows.data() + 2 * pixels.width};
  const size_t plane = static_cast<size_t>(pixels.width) * pixels.height;
  for (int y = 0; y < pixels.height; ++y) {
    rgb_row(pixels, y, channel[0], channel[1], channel[2]);
    for (int c = 0; c < 3; ++c) {
      normalize_row(channel[c], pixels.width, normalization.scale(c), normalization.shift(c),
                    mirror, out + c * plane + static_cast<size_t>(y) * pixels.width);
    }
  }
}

}  // namespace swinpp::data

#include "swinpp/data/color_ops.h"

#include <algorithm>
#include <array>
#include <vector>

namespace swinpp::data {

namespace {

using ChannelTables = std::array<std::array<uint8_t, 256>, 3>;
using Histograms = std::array<std::array<int64_t, 256>, 3>;

void apply_tables(Image& image, const ChannelTables& tables) {
  uint8_t* p = image.pixels.data();
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < pixels; ++i, p += 3) {
    p[0] = tables[0][p[0]];
    p[1] = tables[1][p[1]];
    p[2] = tables[2][p[2]];
  }
}

void apply_table(Image& image, const std::array<uint8_t, 256>& table) {
  for (uint8_t& v : image.pixels) v = table[v];
}

Histograms histograms(const Image& image) {
  Histograms h{};
  const uint8_t* p = image.pixels.data();
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < pixels; ++i, p += 3) {
    ++h[0][p[0]];
    ++h[1][p[1]];
    ++h[2][p[2]];
  }
  return h;
}

uint8_t clip_to_byte(int64_t v) { return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255)); }

/// Image.blend(degenerate, image, factor) per byte: degenerate + factor *
/// (image - degenerate) in float, truncated and clamped as PIL does.
uint8_t blend(int degenerate, int value, float factor) {
  const float v = static_cast<float>(degenerate) + factor * static_cast<float>(value - degenerate);
  if (v <= 0.0f) return 0;
  if (v >= 255.0f) return 255;
  return static_cast<uint8_t>(v);
}

void blend_with(Image& image, const std::vector<uint8_t>& degenerate, double factor) {
  const float f = static_cast<float>(factor);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = blend(degenerate[i], image.pixels[i], f);
  }
}

}  // namespace

void auto_contrast(Image& image) {
  const Histograms h = histograms(image);
  ChannelTables tables{};
  for (int c = 0; c < 3; ++c) {
    int lo = 0;
    while (lo < 256 && h[c][lo] == 0) ++lo;
    int hi = 255;
    while (hi >= 0 && h[c][hi] == 0) --hi;
    for (int v = 0; v < 256; ++v) {
      if (hi <= lo) {
        tables[c][v] = static_cast<uint8_t>(v);
      } else {
        const double scale = 255.0 / (hi - lo);
        const double offset = -lo * scale;
        tables[c][v] = clip_to_byte(static_cast<int64_t>(v * scale + offset));
      }
    }
  }
  apply_tables(image, tables);
}

void equalize(Image& image) {
  const Histograms h = histograms(image);
  ChannelTables tables{};
  for (int c = 0; c < 3; ++c) {
    int64_t total = 0;
    int64_t last_nonzero = 0;
    int used_levels = 0;
    for (int v = 0; v < 256; ++v) {
      if (h[c][v] == 0) continue;
      total += h[c][v];
      last_nonzero = h[c][v];
      ++used_levels;
    }
    const int64_t step = used_levels <= 1 ? 0 : (total - last_nonzero) / 255;
    int64_t n = step / 2;
    for (int v = 0; v < 256; ++v) {
      if (step == 0) {
        tables[c][v] = static_cast<uint8_t>(v);
      } else {
        tables[c][v] = clip_to_byte(n / step);
        n += h[c][v];
      }
    }
  }
  apply_tables(image, tables);
}

void invert(Image& image) {
  for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(255 - v);
}

void posterize(Image& image, int bits) {
  if (bits >= 8) return;
  const int mask = ~((1 << (8 - std::max(bits, 0))) - 1) & 0xFF;
  std::array<uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) table[v] = static_cast<uint8_t>(v & mask);
  apply_table(image, table);
}

void solarize(Image& image, int threshold) {
  std::array<uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) table[v] = static_cast<uint8_t>(v < threshold ? v : 255 - v);
  apply_table(image, table);
}

void solarize_add(Image& image, int addition, int threshold) {
  std::array<uint8_t, 256> table{};
  for (int v = 0; v < 256; ++v) {
    table[v] = v < threshold ? clip_to_byte(int64_t{v} + addition) : static_cast<uint8_t>(v);
  }
  apply_table(image, table);
}

void adjust_brightness(Image& image, double factor) {
  const float f = static_cast<float>(factor);
  for (uint8_t& v : image.pixels) v = blend(0, v, f);
}

void adjust_contrast(Image& image, double factor) {
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  int64_t sum = 0;
  for (size_t i = 0; i < pixels; ++i) sum += luma(&image.pixels[i * 3]);
  const int mean = pixels == 0 ? 0 : static_cast<int>(static_cast<double>(sum) / pixels + 0.5);
  const float f = static_cast<float>(factor);
  for (uint8_t& v : image.pixels) v = blend(mean, v, f);
}

void adjust_saturation(Image& image, double factor) {
  const float f = static_cast<float>(factor);
  uint8_t* p = image.pixels.data();
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < pixels; ++i, p += 3) {
    const int grey = luma(p);
    p[0] = blend(grey, p[0], f);
    p[1] = blend(grey, p[1], f);
    p[2] = blend(grey, p[2], f);
  }
}

void adjust_sharpness(Image& image, double factor) {
  // SMOOTH: 3x3 kernel of ones with 5 at the centre, divided by 13; the
  // outermost rows and columns are copied unfiltered, as PIL does.
  std::vector<uint8_t> smooth = image.pixels;
  const size_t stride = image.stride();
  for (int y = 1; y + 1 < image.height; ++y) {
    for (int x = 1; x + 1 < image.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const size_t center = static_cast<size_t>(y) * stride + static_cast<size_t>(x) * 3 + c;
        int sum = 4 * image.pixels[center];
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            sum += image.pixels[center + dy * static_cast<ptrdiff_t>(stride) + dx * 3];
          }
        }
        smooth[center] = clip_to_byte(static_cast<int64_t>(sum / 13.0f + 0.5f));
      }
    }
  }
  blend_with(image, smooth, factor);
}

}  // namespace swinpp::data

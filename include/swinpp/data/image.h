#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swinpp::data {

/// An 8-bit RGB image in row-major HWC order: pixel (x, y) channel c is
/// `pixels[(y * width + x) * 3 + c]`. Every stage of the data pipeline before
/// normalisation works on this type.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // [height, width, 3]

  Image() = default;
  /// An image of the given size, every byte set to `fill`.
  Image(int width, int height, uint8_t fill = 0)
      : width(width),
        height(height),
        pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * 3, fill) {}

  /// Bytes per row.
  size_t stride() const { return static_cast<size_t>(width) * 3; }
  /// First byte of row y.
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * stride(); }
  /// First byte of row y.
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * stride(); }
  /// First byte of pixel (x, y).
  uint8_t* at(int x, int y) { return row(y) + static_cast<size_t>(x) * 3; }
  /// First byte of pixel (x, y).
  const uint8_t* at(int x, int y) const { return row(y) + static_cast<size_t>(x) * 3; }
  /// True when the image holds no pixel.
  bool empty() const { return width <= 0 || height <= 0; }
};

}  // namespace swinpp::data

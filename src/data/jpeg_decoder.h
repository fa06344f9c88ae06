// TurboJPEG decoding shared by the public decoder and the decode-and-resample
// path: header, RGB decode into a reused image, and decode to YCbCr planes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/image.h"
#include "swinpp/data/image_decoder.h"

namespace swinpp::data {

/// Throws swinpp::Error naming `name` unless 1 <= width * height <= 2^28.
void check_image_dimensions(int width, int height, const std::string& name);

/// Width and height from a JPEG header; throws swinpp::Error naming `name`.
ImageInfo read_jpeg_info(const uint8_t* data, size_t size, const std::string& name);

/// decode_jpeg into `image`, reusing its pixel memory. Returns the DCT scale
/// used: decoded pixel i covers source pixels [i, i + 1) * denom / num.
JpegScale decode_jpeg_into(const uint8_t* data, size_t size, int min_width, int min_height,
                           const std::string& name, JpegScales scales, Image& image);

/// A JPEG decoded to its component planes, without colour conversion or
/// chroma upsampling: Y alone (greyscale) or Y, Cb, Cr, each plane at its
/// own resolution. The luma plane may be wider/taller than the image by the
/// MCU padding; plane_width is its row stride.
struct JpegPlanes {
  int width = 0;
  int height = 0;
  int count = 0;  // 1 or 3
  std::array<int, 3> plane_width{};
  std::array<int, 3> plane_height{};
  std::array<std::vector<uint8_t>, 3> data;
};

/// Decodes to full-size planes, reusing the planes' memory. Returns false,
/// decoding nothing, when the JPEG is neither YCbCr nor greyscale (e.g. CMYK).
/// Throws swinpp::Error naming `name` for corrupt or truncated data.
bool decode_jpeg_planes(const uint8_t* data, size_t size, const std::string& name,
                        JpegPlanes& planes);

}  // namespace swinpp::data

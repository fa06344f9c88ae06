#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// Encoded image formats the pipeline reads, told apart by their magic bytes.
enum class ImageFormat { kUnknown, kJpeg, kPng };

/// Size and format of an encoded image, read from its header without decoding.
struct ImageInfo {
  int width = 0;
  int height = 0;
  ImageFormat format = ImageFormat::kUnknown;
};

/// A DCT scaling factor num/denom of the JPEG decoder.
struct JpegScale {
  int num = 1;
  int denom = 1;
};

/// Which DCT scaling factors choose_jpeg_scale may pick.
enum class JpegScales {
  /// 1/8, 1/4, 1/2, 1: the factors libjpeg-turbo decodes with SIMD; the others
  /// (3/8, 5/8, 3/4, 7/8) are measured slower than a full-size decode.
  kFast,
  /// Every factor TurboJPEG offers up to 1 (1/8, 1/4, 3/8, ..., 7/8, 1).
  kAll,
};

/// The format named by the first bytes of `data`.
ImageFormat detect_image_format(const uint8_t* data, size_t size);

/// Width, height and format from the header. Throws swinpp::Error naming
/// `name` when the bytes are neither a readable JPEG nor PNG header.
ImageInfo read_image_info(const uint8_t* data, size_t size, const std::string& name);

/// `size` scaled by `scale`, rounded up (TurboJPEG's TJSCALED).
int scaled_size(int size, JpegScale scale);

/// The smallest factor of `scales` whose decoded size is still at least
/// min_width x min_height; 1/1 when none is (the decoder never enlarges).
JpegScale choose_jpeg_scale(int width, int height, int min_width, int min_height,
                            JpegScales scales = JpegScales::kFast);

/// Decodes a JPEG to RGB at the smallest fast DCT scale whose output is at
/// least min_width x min_height (both 0: full size). Grayscale and CMYK become RGB.
/// Throws swinpp::Error naming `name` for corrupt or truncated data.
Image decode_jpeg(const uint8_t* data, size_t size, int min_width = 0, int min_height = 0,
                  const std::string& name = "<memory>", JpegScales scales = JpegScales::kFast);

/// Decodes a PNG to 8-bit RGB: gray, palette and 16-bit are converted, alpha
/// dropped (as PIL's convert("RGB")). Throws swinpp::Error naming `name`.
Image decode_png(const uint8_t* data, size_t size, const std::string& name = "<memory>");

/// Decodes a JPEG (reduced as decode_jpeg) or a PNG (always full size).
Image decode_image(const uint8_t* data, size_t size, int min_width = 0, int min_height = 0,
                   const std::string& name = "<memory>");

/// decode_image into `out`, reusing its pixel memory: a loop decoding many
/// images through one Image allocates (and zeroes) nothing per image.
void decode_image_into(const uint8_t* data, size_t size, int min_width, int min_height,
                       const std::string& name, Image& out);

/// decode_image on a byte vector.
Image decode_image(const std::vector<uint8_t>& bytes, int min_width = 0, int min_height = 0,
                   const std::string& name = "<memory>");

/// Reads and decodes the file at `path` at full size.
Image read_image(const std::string& path);

}  // namespace swinpp::data

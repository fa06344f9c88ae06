// libpng behind three calls, shared by the decoder and the encoder. libpng
// reports errors with longjmp; the setjmp frames live in png_codec.cpp only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// Width and height from a PNG's IHDR chunk.
struct PngSize {
  int width = 0;
  int height = 0;
};

/// Reads the IHDR size; throws swinpp::Error naming `name` when the signature
/// or IHDR chunk is missing.
PngSize read_png_size(const uint8_t* data, size_t size, const std::string& name);

/// Decodes every pixel to 8-bit RGB (see decode_png); throws swinpp::Error.
Image decode_png_pixels(const uint8_t* data, size_t size, const std::string& name);

/// Encodes 8-bit RGB; throws swinpp::Error.
std::vector<uint8_t> encode_png_pixels(const Image& image);

}  // namespace swinpp::data

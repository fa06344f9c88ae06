#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// Encodes an RGB image as a baseline JPEG (4:2:0 chroma, like PIL's default)
/// at `quality` in [1, 100]. Throws swinpp::Error on an empty image.
std::vector<uint8_t> encode_jpeg(const Image& image, int quality = 90);

/// Encodes an RGB image as an 8-bit PNG. Throws swinpp::Error on an empty image.
std::vector<uint8_t> encode_png(const Image& image);

/// Writes `image` to `path`, as PNG when the extension is .png and as JPEG
/// (at `quality`) when it is .jpg or .jpeg; the file appears atomically.
/// Throws swinpp::Error for another extension or an unwritable path.
void write_image(const std::string& path, const Image& image, int quality = 90);

}  // namespace swinpp::data

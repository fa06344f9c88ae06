#include "swinpp/data/image_decoder.h"

#include <array>
#include <cstring>
#include <string>

#include "jpeg_decoder.h"
#include "png_codec.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

ImageFormat detect_image_format(const uint8_t* data, size_t size) {
  static constexpr std::array<uint8_t, 8> kPngMagic = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat::kJpeg;
  if (size >= kPngMagic.size() && std::memcmp(data, kPngMagic.data(), kPngMagic.size()) == 0) {
    return ImageFormat::kPng;
  }
  return ImageFormat::kUnknown;
}

ImageInfo read_image_info(const uint8_t* data, size_t size, const std::string& name) {
  ImageInfo info;
  info.format = detect_image_format(data, size);
  if (info.format == ImageFormat::kJpeg) {
    info = read_jpeg_info(data, size, name);
  } else if (info.format == ImageFormat::kPng) {
    const PngSize png = read_png_size(data, size, name);
    info.width = png.width;
    info.height = png.height;
    check_image_dimensions(info.width, info.height, name);
  } else {
    throw Error("image " + name + ": expected JPEG or PNG data, found neither signature (" +
                std::to_string(size) + " bytes)");
  }
  return info;
}

Image decode_png(const uint8_t* data, size_t size, const std::string& name) {
  const PngSize png = read_png_size(data, size, name);
  check_image_dimensions(png.width, png.height, name);
  return decode_png_pixels(data, size, name);
}

void decode_image_into(const uint8_t* data, size_t size, int min_width, int min_height,
                       const std::string& name, Image& out) {
  switch (detect_image_format(data, size)) {
    case ImageFormat::kJpeg:
      decode_jpeg_into(data, size, min_width, min_height, name, JpegScales::kFast, out);
      return;
    case ImageFormat::kPng:
      out = decode_png(data, size, name);
      return;
    case ImageFormat::kUnknown:
      break;
  }
  throw Error("image " + name + ": expected JPEG or PNG data, found neither signature (" +
              std::to_string(size) + " bytes)");
}

Image decode_image(const uint8_t* data, size_t size, int min_width, int min_height,
                   const std::string& name) {
  Image image;
  decode_image_into(data, size, min_width, min_height, name, image);
  return image;
}

Image decode_image(const std::vector<uint8_t>& bytes, int min_width, int min_height,
                   const std::string& name) {
  return decode_image(bytes.data(), bytes.size(), min_width, min_height, name);
}

Image read_image(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return decode_image(bytes, 0, 0, path);
}

}  // namespace swinpp::data

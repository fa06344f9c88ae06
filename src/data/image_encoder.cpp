#include "swinpp/data/image_encoder.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "png_codec.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// One TurboJPEG compressor per thread, created on first use.
class ThreadCompressor {
 public:
  ThreadCompressor() : handle_(tjInitCompress()) {}
  ~ThreadCompressor() {
    if (handle_ != nullptr) tjDestroy(handle_);
  }
  ThreadCompressor(const ThreadCompressor&) = delete;
  ThreadCompressor& operator=(const ThreadCompressor&) = delete;
  tjhandle get() const {
    if (handle_ == nullptr) throw Error("cannot create a TurboJPEG compressor");
    return handle_;
  }

 private:
  tjhandle handle_;
};

void check_encodable(const Image& image, const char* format) {
  if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw Error(std::string("cannot encode ") + format +
                ": expected a non-empty RGB image, found " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " with " + std::to_string(image.pixels.size()) +
                " bytes");
  }
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const Image& image, int quality) {
  check_encodable(image, "JPEG");
  if (quality < 1 || quality > 100) {
    throw Error("JPEG quality: expected 1..100, found " + std::to_string(quality));
  }
  thread_local ThreadCompressor compressor;
  tjhandle handle = compressor.get();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (tjCompress2(handle, image.pixels.data(), image.width, 0, image.height, TJPF_RGB, &buffer,
                  &size, TJSAMP_420, quality, 0) != 0) {
    const std::string message = tjGetErrorStr2(handle);
    tjFree(buffer);
    throw Error("cannot encode JPEG: " + message);
  }
  std::vector<uint8_t> bytes(buffer, buffer + size);
  tjFree(buffer);
  return bytes;
}

std::vector<uint8_t> encode_png(const Image& image) {
  check_encodable(image, "PNG");
  return encode_png_pixels(image);
}

void write_image(const std::string& path, const Image& image, int quality) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".png") {
    write_file_bytes(path, encode_png(image));
  } else if (extension == ".jpg" || extension == ".jpeg") {
    write_file_bytes(path, encode_jpeg(image, quality));
  } else {
    throw Error("cannot write image " + path + ": expected extension .png, .jpg or .jpeg, found '" +
                extension + "'");
  }
}

}  // namespace swinpp::data

#include "jpeg_decoder.h"

#include <turbojpeg.h>

#include <spdlog/spdlog.h>

#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Images above this many pixels are refused before any allocation.
constexpr int64_t kMaxPixels = int64_t{1} << 28;

/// One TurboJPEG decompressor per thread, created on first use.
class ThreadDecompressor {
 public:
  ThreadDecompressor() : handle_(tjInitDecompress()) {}
  ~ThreadDecompressor() {
    if (handle_ != nullptr) tjDestroy(handle_);
  }
  ThreadDecompressor(const ThreadDecompressor&) = delete;
  ThreadDecompressor& operator=(const ThreadDecompressor&) = delete;
  tjhandle get() const {
    if (handle_ == nullptr) throw Error("cannot create a TurboJPEG decompressor");
    return handle_;
  }
  /// A handle that failed mid-stream is left in an unusable state: start afresh.
  void reset() {
    if (handle_ != nullptr) tjDestroy(handle_);
    handle_ = tjInitDecompress();
  }

 private:
  tjhandle handle_;
};

ThreadDecompressor& thread_decompressor() {
  thread_local ThreadDecompressor decompressor;
  return decompressor;
}

/// Warnings that concern metadata rather than pixels leave the image usable.
bool is_harmless_jpeg_warning(const std::string& message) {
  return message.find("extraneous bytes") != std::string::npos ||
         message.find("Invalid SOS parameters") != std::string::npos ||
         message.find("Unknown Adobe") != std::string::npos ||
         message.find("ICC") != std::string::npos;
}

/// Turns a failed TurboJPEG decode into an error, unless it only warned about metadata.
void check_decode_status(ThreadDecompressor& decompressor, int status, const std::string& name) {
  if (status == 0) return;
  tjhandle handle = decompressor.get();
  const std::string message = tjGetErrorStr2(handle);
  const bool warning = tjGetErrorCode(handle) == TJERR_WARNING;
  decompressor.reset();
  if (!warning || !is_harmless_jpeg_warning(message)) {
    throw Error("cannot decode JPEG " + name + " (corrupt or truncated): " + message);
  }
  spdlog::debug("JPEG {}: {}", name, message);
}

/// TurboJPEG hands back CMYK as stored, inverted in Adobe files: R = C*K/255.
void inverted_cmyk_to_rgb(const std::vector<uint8_t>& cmyk, Image& image) {
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < pixels; ++i) {
    const int k = cmyk[i * 4 + 3];
    for (int c = 0; c < 3; ++c) {
      image.pixels[i * 3 + c] = static_cast<uint8_t>((cmyk[i * 4 + c] * k + 127) / 255);
    }
  }
}

struct JpegHeader {
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
};

JpegHeader read_jpeg_header(ThreadDecompressor& decompressor, const uint8_t* data, size_t size,
                            const std::string& name) {
  tjhandle handle = decompressor.get();
  JpegHeader header;
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(size), &header.width,
                          &header.height, &header.subsampling, &header.colorspace) != 0) {
    const std::string message = tjGetErrorStr2(handle);
    decompressor.reset();
    throw Error("cannot read the JPEG header of " + name + ": " + message);
  }
  check_image_dimensions(header.width, header.height, name);
  return header;
}

JpegScale scale_for(const JpegHeader& header, int min_width, int min_height, JpegScales scales) {
  if (min_width <= 0 && min_height <= 0) return JpegScale{1, 1};
  return choose_jpeg_scale(header.width, header.height, min_width, min_height, scales);
}

}  // namespace

void check_image_dimensions(int width, int height, const std::string& name) {
  if (width <= 0 || height <= 0 || int64_t{width} * height > kMaxPixels) {
    throw Error("image " + name + ": expected a size between 1x1 and 2^28 pixels, found " +
                std::to_string(width) + "x" + std::to_string(height));
  }
}

ImageInfo read_jpeg_info(const uint8_t* data, size_t size, const std::string& name) {
  const JpegHeader header = read_jpeg_header(thread_decompressor(), data, size, name);
  return ImageInfo{header.width, header.height, ImageFormat::kJpeg};
}

int scaled_size(int size, JpegScale scale) {
  return static_cast<int>((static_cast<int64_t>(size) * scale.num + scale.denom - 1) / scale.denom);
}

JpegScale choose_jpeg_scale(int width, int height, int min_width, int min_height,
                            JpegScales scales) {
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  JpegScale best{1, 1};
  for (int i = 0; i < count; ++i) {
    const JpegScale candidate{factors[i].num, factors[i].denom};
    if (candidate.num > candidate.denom) continue;
    const bool power_of_two = candidate.num == 1 && (candidate.denom & (candidate.denom - 1)) == 0;
    if (scales == JpegScales::kFast && !power_of_two) continue;
    if (scaled_size(width, candidate) < min_width || scaled_size(height, candidate) < min_height) {
      continue;
    }
    if (static_cast<int64_t>(candidate.num) * best.denom <
        static_cast<int64_t>(best.num) * candidate.denom) {
      best = candidate;
    }
  }
  return best;
}

JpegScale decode_jpeg_into(const uint8_t* data, size_t size, int min_width, int min_height,
                           const std::string& name, JpegScales scales, Image& image) {
  ThreadDecompressor& decompressor = thread_decompressor();
  const JpegHeader header = read_jpeg_header(decompressor, data, size, name);
  const JpegScale scale = scale_for(header, min_width, min_height, scales);
  image.width = scaled_size(header.width, scale);
  image.height = scaled_size(header.height, scale);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  const bool cmyk = header.colorspace == TJCS_CMYK || header.colorspace == TJCS_YCCK;
  std::vector<uint8_t> cmyk_pixels;
  if (cmyk) cmyk_pixels.resize(static_cast<size_t>(image.width) * image.height * 4);
  unsigned char* target = cmyk ? cmyk_pixels.data() : image.pixels.data();
  const int status =
      tjDecompress2(decompressor.get(), data, static_cast<unsigned long>(size), target, image.width,
                    0, image.height, cmyk ? TJPF_CMYK : TJPF_RGB, 0);
  check_decode_status(decompressor, status, name);
  if (cmyk) inverted_cmyk_to_rgb(cmyk_pixels, image);
  return scale;
}

Image decode_jpeg(const uint8_t* data, size_t size, int min_width, int min_height,
                  const std::string& name, JpegScales scales) {
  Image image;
  decode_jpeg_into(data, size, min_width, min_height, name, scales, image);
  return image;
}

bool decode_jpeg_planes(const uint8_t* data, size_t size, const std::string& name,
                        JpegPlanes& planes) {
  ThreadDecompressor& decompressor = thread_decompressor();
  const JpegHeader header = read_jpeg_header(decompressor, data, size, name);
  if (header.colorspace != TJCS_YCbCr && header.colorspace != TJCS_GRAY) return false;
  planes.width = header.width;
  planes.height = header.height;
  planes.count = header.subsampling == TJSAMP_GRAY ? 1 : 3;
  std::array<unsigned char*, 3> targets{};
  std::array<int, 3> strides{};
  for (int c = 0; c < planes.count; ++c) {
    planes.plane_width[c] = tjPlaneWidth(c, planes.width, header.subsampling);
    planes.plane_height[c] = tjPlaneHeight(c, planes.height, header.subsampling);
    if (planes.plane_width[c] <= 0 || planes.plane_height[c] <= 0) {
      throw Error("cannot decode JPEG " + name + ": unsupported chroma subsampling");
    }
    planes.data[c].resize(static_cast<size_t>(planes.plane_width[c]) * planes.plane_height[c]);
    targets[c] = planes.data[c].data();
    strides[c] = planes.plane_width[c];
  }
  const int status =
      tjDecompressToYUVPlanes(decompressor.get(), data, static_cast<unsigned long>(size),
                              targets.data(), planes.width, strides.data(), planes.height, 0);
  check_decode_status(decompressor, status, name);
  return true;
}

}  // namespace swinpp::data

// Decoding and encoding JPEG and PNG: round trips, conversions to RGB, DCT
// scaling and errors on damaged data.
#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "swinpp/data/decode_resampled.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/image_encoder.h"
#include "swinpp/data/resample.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

/// A smooth test picture (JPEG-friendly): gradients and a slow wave.
Image smooth_image(int width, int height) {
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(255 * x / std::max(1, width - 1));
      p[1] = static_cast<uint8_t>(255 * y / std::max(1, height - 1));
      p[2] = static_cast<uint8_t>(127 + 100 * std::sin(0.1 * (x + y)));
    }
  }
  return image;
}

double mean_abs_difference(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  double total = 0.0;
  for (size_t i = 0; i < a.pixels.size(); ++i) total += std::abs(a.pixels[i] - b.pixels[i]);
  return total / static_cast<double>(a.pixels.size());
}

/// Writes a PNG through libpng's simplified API (any format it supports).
std::vector<uint8_t> write_png_with_format(int width, int height, png_uint_32 format,
                                           const void* pixels, const void* colormap = nullptr,
                                           int colormap_entries = 0) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = format;
  image.colormap_entries = colormap_entries;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_get_memory_size(image, size, 0, pixels, 0, colormap));
  std::vector<uint8_t> bytes(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels, 0, colormap));
  bytes.resize(size);
  return bytes;
}

void expect_error_naming(const std::function<void()>& action, const std::string& name) {
  try {
    action();
    FAIL() << "expected swinpp::Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
}

TEST(ImageCodecTest, JpegRoundTripIsClose) {
  const Image original = smooth_image(64, 48);
  const std::vector<uint8_t> bytes = encode_jpeg(original, 95);
  EXPECT_EQ(detect_image_format(bytes.data(), bytes.size()), ImageFormat::kJpeg);
  const Image decoded = decode_image(bytes);
  EXPECT_LT(mean_abs_difference(original, decoded), 2.5);
}

TEST(ImageCodecTest, PngRoundTripIsExact) {
  const Image original = smooth_image(33, 17);
  const std::vector<uint8_t> bytes = encode_png(original);
  EXPECT_EQ(detect_image_format(bytes.data(), bytes.size()), ImageFormat::kPng);
  const Image decoded = decode_png(bytes.data(), bytes.size());
  EXPECT_EQ(decoded.pixels, original.pixels);
}

TEST(ImageCodecTest, HeaderGivesSizeWithoutDecoding) {
  const std::vector<uint8_t> jpeg = encode_jpeg(smooth_image(40, 24));
  const ImageInfo jpeg_info = read_image_info(jpeg.data(), jpeg.size(), "a.jpg");
  EXPECT_EQ(jpeg_info.width, 40);
  EXPECT_EQ(jpeg_info.height, 24);
  const std::vector<uint8_t> png = encode_png(smooth_image(7, 9));
  const ImageInfo png_info = read_image_info(png.data(), png.size(), "a.png");
  EXPECT_EQ(png_info.format, ImageFormat::kPng);
  EXPECT_EQ(png_info.width, 7);
  EXPECT_EQ(png_info.height, 9);
}

TEST(ImageCodecTest, PngGrayPaletteAlphaAndSixteenBitBecomeRgb) {
  const int w = 5, h = 3;
  std::vector<uint8_t> gray(w * h);
  std::vector<uint8_t> rgba(w * h * 4);
  std::vector<uint16_t> rgb16(w * h * 3);
  std::vector<uint8_t> indices(w * h);
  const std::vector<uint8_t> palette = {10, 20, 30, 200, 100, 50, 7, 8, 9};
  for (int i = 0; i < w * h; ++i) {
    gray[i] = static_cast<uint8_t>(i * 17);
    for (int c = 0; c < 4; ++c) rgba[i * 4 + c] = static_cast<uint8_t>(i * 13 + c * 40);
    for (int c = 0; c < 3; ++c) rgb16[i * 3 + c] = static_cast<uint16_t>(i * 4000 + c * 1000 + 77);
    indices[i] = static_cast<uint8_t>(i % 3);
  }
  const std::vector<uint8_t> gray_png = write_png_with_format(w, h, PNG_FORMAT_GRAY, gray.data());
  const Image from_gray = decode_png(gray_png.data(), gray_png.size());
  const std::vector<uint8_t> rgba_png = write_png_with_format(w, h, PNG_FORMAT_RGBA, rgba.data());
  const Image from_rgba = decode_png(rgba_png.data(), rgba_png.size());
  const std::vector<uint8_t> rgb16_png =
      write_png_with_format(w, h, PNG_FORMAT_LINEAR_RGB, rgb16.data());
  const Image from_rgb16 = decode_png(rgb16_png.data(), rgb16_png.size());
  const std::vector<uint8_t> palette_png =
      write_png_with_format(w, h, PNG_FORMAT_RGB_COLORMAP, indices.data(), palette.data(), 3);
  const Image from_palette = decode_png(palette_png.data(), palette_png.size());
  for (int i = 0; i < w * h; ++i) {
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(from_gray.pixels[i * 3 + c], gray[i]);
      EXPECT_EQ(from_rgba.pixels[i * 3 + c], rgba[i * 4 + c]);  // alpha dropped, not composited
      EXPECT_EQ(from_rgb16.pixels[i * 3 + c], rgb16[i * 3 + c] >> 8);
      EXPECT_EQ(from_palette.pixels[i * 3 + c], palette[indices[i] * 3 + c]);
    }
  }
}

TEST(ImageCodecTest, GrayscaleJpegBecomesRgb) {
  const int w = 16, h = 16;
  std::vector<uint8_t> gray(w * h);
  for (int i = 0; i < w * h; ++i) gray[i] = static_cast<uint8_t>(40 + (i % w) * 8);
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(
      tjCompress2(handle, gray.data(), w, 0, h, TJPF_GRAY, &buffer, &size, TJSAMP_GRAY, 100, 0), 0);
  const std::vector<uint8_t> bytes(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(handle);
  const Image decoded = decode_image(bytes);
  for (int i = 0; i < w * h; ++i) {
    EXPECT_NEAR(decoded.pixels[i * 3], gray[i], 2);
    EXPECT_EQ(decoded.pixels[i * 3], decoded.pixels[i * 3 + 1]);
    EXPECT_EQ(decoded.pixels[i * 3], decoded.pixels[i * 3 + 2]);
  }
}

TEST(ImageCodecTest, ChoosesSmallestScaleStillLargeEnough) {
  EXPECT_EQ(scaled_size(375, JpegScale{1, 8}), 47);  // rounded up
  EXPECT_EQ(scaled_size(500, JpegScale{3, 8}), 188);
  const auto factor = [](JpegScale s) { return static_cast<double>(s.num) / s.denom; };
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 0, 0)), 1.0 / 8);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 64, 64)), 1.0 / 4);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 65, 64)), 1.0 / 2);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 65, 64, JpegScales::kAll)), 3.0 / 8);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 129, 1, JpegScales::kAll)), 5.0 / 8);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(256, 256, 300, 300)), 1.0);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(500, 375, 250, 100)), 1.0 / 2);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(500, 375, 251, 100)), 1.0);
  // The height decides as much as the width.
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(500, 375, 10, 94)), 1.0 / 4);
  EXPECT_DOUBLE_EQ(factor(choose_jpeg_scale(500, 375, 10, 95)), 1.0 / 2);
}

TEST(ImageCodecTest, ReducedDecodeIsSmallAndResemblesDownscale) {
  const Image original = smooth_image(256, 192);
  const std::vector<uint8_t> bytes = encode_jpeg(original, 95);
  const Image quarter = decode_jpeg(bytes.data(), bytes.size(), 60, 48);
  EXPECT_EQ(quarter.width, 64);
  EXPECT_EQ(quarter.height, 48);
  const Image reference = resize(original, 64, 48, Interpolation::kBilinear);
  EXPECT_LT(mean_abs_difference(quarter, reference), 3.0);
  const Image full = decode_jpeg(bytes.data(), bytes.size(), 256, 192);
  EXPECT_EQ(full.width, 256);
}

TEST(ImageCodecTest, TruncatedOrDamagedDataIsAnErrorNamingTheFile) {
  const std::vector<uint8_t> jpeg = encode_jpeg(smooth_image(64, 64), 90);
  const std::vector<uint8_t> truncated(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
  expect_error_naming([&] { decode_image(truncated, 0, 0, "cut.jpg"); }, "cut.jpg");
  std::vector<uint8_t> bad_header = jpeg;
  for (size_t i = 4; i < 40; ++i) bad_header[i] = 0xFF;
  expect_error_naming([&] { decode_image(bad_header, 0, 0, "head.jpg"); }, "head.jpg");
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  expect_error_naming([&] { decode_image(text, 0, 0, "text.png"); }, "text.png");
  expect_error_naming([&] { read_image_info(text.data(), text.size(), "info.jpg"); }, "info.jpg");
  const std::vector<uint8_t> png = encode_png(smooth_image(32, 32));
  const std::vector<uint8_t> png_cut(png.begin(), png.begin() + png.size() - 40);
  expect_error_naming([&] { decode_image(png_cut, 0, 0, "cut.png"); }, "cut.png");
}

ResampleSpec crop_to(SourceBox box, int size, Interpolation interpolation) {
  ResampleSpec spec;
  spec.box = box;
  spec.out_width = spec.out_height = size;
  spec.interpolation = interpolation;
  return spec;
}

/// What decode_resampled promises: decode at the DCT scale that keeps the box
/// at least the output size, then resample the box carried over to that scale.
Image decode_then_resample(const std::vector<uint8_t>& bytes, const ResampleSpec& spec) {
  const ImageInfo info = read_image_info(bytes.data(), bytes.size(), "reference");
  const int min_width = static_cast<int>(
      std::ceil(spec.out_width * static_cast<double>(info.width) / (spec.box.x1 - spec.box.x0)));
  const int min_height = static_cast<int>(
      std::ceil(spec.out_height * static_cast<double>(info.height) / (spec.box.y1 - spec.box.y0)));
  const JpegScale scale = choose_jpeg_scale(info.width, info.height, min_width, min_height);
  const Image decoded = decode_image(bytes, min_width, min_height);
  const double s = static_cast<double>(scale.num) / scale.denom;
  EXPECT_EQ(decoded.width, scaled_size(info.width, scale));
  ResampleSpec scaled = spec;
  scaled.box = SourceBox{spec.box.x0 * s, spec.box.y0 * s, spec.box.x1 * s, spec.box.y1 * s};
  return resample(decoded, scaled);
}

TEST(DecodeResampledTest, JpegPlanesPathMatchesDecodeThenResample) {
  // 4:2:0 chroma, odd sizes (MCU padding), reduced DCT scale and full scale.
  const Image original = smooth_image(203, 157);
  const std::vector<uint8_t> bytes = encode_jpeg(original, 95);
  const ImageInfo info = read_image_info(bytes.data(), bytes.size(), "a.jpg");
  for (const auto& [box, size] : {std::pair<SourceBox, int>{{10, 7, 190, 150}, 40},
                                  std::pair<SourceBox, int>{{33, 21, 120, 99}, 64},
                                  std::pair<SourceBox, int>{{0, 0, 203, 157}, 24}}) {
    for (const Interpolation interpolation : {Interpolation::kBilinear, Interpolation::kBicubic}) {
      const ResampleSpec spec = crop_to(box, size, interpolation);
      const Image fast = decode_resampled(bytes.data(), bytes.size(), info, spec, "a.jpg");
      // Only the chroma upsampling differs: the decoder's or the resampling filter.
      EXPECT_LT(mean_abs_difference(fast, decode_then_resample(bytes, spec)), 1.5);
    }
  }
}

TEST(DecodeResampledTest, PngAndGrayscaleJpegPaths) {
  const Image original = smooth_image(50, 40);
  const std::vector<uint8_t> png = encode_png(original);
  const ResampleSpec spec = crop_to({5, 4, 45, 36}, 16, Interpolation::kBicubic);
  const ImageInfo info = read_image_info(png.data(), png.size(), "a.png");
  EXPECT_EQ(decode_resampled(png.data(), png.size(), info, spec, "a.png").pixels,
            resample(original, spec).pixels);
  std::vector<uint8_t> gray(50 * 40);
  for (int i = 0; i < 50 * 40; ++i) gray[i] = original.pixels[i * 3 + 1];
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  ASSERT_EQ(
      tjCompress2(handle, gray.data(), 50, 0, 40, TJPF_GRAY, &buffer, &size, TJSAMP_GRAY, 100, 0),
      0);
  const std::vector<uint8_t> jpeg(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(handle);
  const ImageInfo gray_info = read_image_info(jpeg.data(), jpeg.size(), "g.jpg");
  // Output 16 allows a 1/2 DCT scale (RGB decode); 33 needs full size (luma plane).
  for (const int out_size : {16, 33}) {
    const ResampleSpec gray_spec = crop_to({5, 4, 45, 36}, out_size, Interpolation::kBicubic);
    const Image fast = decode_resampled(jpeg.data(), jpeg.size(), gray_info, gray_spec, "g.jpg");
    EXPECT_EQ(fast.pixels, decode_then_resample(jpeg, gray_spec).pixels) << out_size;
  }
  EXPECT_THROW(decode_resampled(jpeg.data(), jpeg.size() / 2, gray_info, spec, "g.jpg"), Error);
}

TEST(ImageCodecTest, WriteImageThenReadImage) {
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("swinpp_codec_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const Image original = smooth_image(20, 10);
  write_image((folder / "a.png").string(), original);
  write_image((folder / "b.JPG").string(), original, 95);
  EXPECT_EQ(read_image((folder / "a.png").string()).pixels, original.pixels);
  EXPECT_LT(mean_abs_difference(read_image((folder / "b.JPG").string()), original), 3.0);
  EXPECT_THROW(write_image((folder / "c.bmp").string(), original), Error);
  expect_error_naming([&] { read_file_bytes((folder / "missing.jpg").string()); }, "missing.jpg");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder),
                          std::filesystem::directory_iterator()),
            2);  // no temporary file left behind
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace swinpp::data

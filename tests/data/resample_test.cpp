// Resampling against a direct two-dimensional evaluation of PIL's filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "swinpp/data/resample.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

Image noise_image(int width, int height, uint32_t seed) {
  std::mt19937 gen(seed);
  Image image(width, height);
  for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(gen() & 0xFF);
  return image;
}

double kernel(double x, Interpolation interpolation) {
  x = std::fabs(x);
  if (interpolation == Interpolation::kBilinear) return x < 1.0 ? 1.0 - x : 0.0;
  const double a = -0.5;
  if (x < 1.0) return (a + 2.0) * x * x * x - (a + 3.0) * x * x + 1.0;
  if (x < 2.0) return a * x * x * x - 5.0 * a * x * x + 8.0 * a * x - 4.0 * a;
  return 0.0;
}

/// Normalised weights of every source index in [lo, hi) for output i.
std::vector<double> reference_weights(double in0, double in1, int lo, int hi, int out_size, int i,
                                      Interpolation interpolation) {
  const double scale = (in1 - in0) / out_size;
  const double widen = std::max(1.0, scale);
  const double center = in0 + (i + 0.5) * scale;
  std::vector<double> w(hi - lo);
  double total = 0.0;
  for (int x = lo; x < hi; ++x) {
    w[x - lo] = kernel((x + 0.5 - center) / widen, interpolation);
    total += w[x - lo];
  }
  for (double& v : w) v /= total;
  return w;
}

/// The expected output in double precision: the horizontal pass, rounded and
/// clamped to 8 bits as PIL does between its passes, then the vertical one.
Image reference_resample(const Image& src, const ResampleSpec& spec) {
  const int x_lo = static_cast<int>(std::floor(spec.box.x0));
  const int x_hi = static_cast<int>(std::ceil(spec.box.x1));
  const int y_lo = static_cast<int>(std::floor(spec.box.y0));
  const int y_hi = static_cast<int>(std::ceil(spec.box.y1));
  const auto to_byte = [](double v) {
    return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
  };
  Image columns(spec.out_width, y_hi - y_lo);
  for (int x = 0; x < spec.out_width; ++x) {
    const std::vector<double> wx = reference_weights(spec.box.x0, spec.box.x1, x_lo, x_hi,
                                                     spec.out_width, x, spec.interpolation);
    for (int y = y_lo; y < y_hi; ++y) {
      for (int c = 0; c < 3; ++c) {
        double value = 0.0;
        for (int i = x_lo; i < x_hi; ++i) value += wx[i - x_lo] * src.at(i, y)[c];
        columns.at(x, y - y_lo)[c] = to_byte(value);
      }
    }
  }
  Image out(spec.out_width, spec.out_height);
  for (int y = 0; y < spec.out_height; ++y) {
    const std::vector<double> wy = reference_weights(spec.box.y0, spec.box.y1, y_lo, y_hi,
                                                     spec.out_height, y, spec.interpolation);
    for (int x = 0; x < spec.out_width; ++x) {
      for (int c = 0; c < 3; ++c) {
        double value = 0.0;
        for (int j = y_lo; j < y_hi; ++j) value += wy[j - y_lo] * columns.at(x, j - y_lo)[c];
        out.at(x, y)[c] = to_byte(value);
      }
    }
  }
  return out;
}

void expect_matches_reference(const Image& src, const ResampleSpec& spec) {
  const Image out = resample(src, spec);
  const Image expected = reference_resample(src, spec);
  ASSERT_EQ(out.width, expected.width);
  ASSERT_EQ(out.height, expected.height);
  int worst = 0;
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    worst = std::max(worst, std::abs(out.pixels[i] - expected.pixels[i]));
  }
  // Float weights against double: a value may round the other way, by one level.
  EXPECT_LE(worst, 1);
}

ResampleSpec spec_for(SourceBox box, int w, int h, Interpolation interpolation) {
  ResampleSpec spec;
  spec.box = box;
  spec.out_width = w;
  spec.out_height = h;
  spec.interpolation = interpolation;
  return spec;
}

TEST(ResampleTest, BicubicDownscaleWithAntialiasMatchesReference) {
  const Image src = noise_image(61, 47, 1);
  expect_matches_reference(src, spec_for({0, 0, 61, 47}, 22, 17, Interpolation::kBicubic));
}

TEST(ResampleTest, BilinearDownscaleMatchesReference) {
  const Image src = noise_image(50, 40, 2);
  expect_matches_reference(src, spec_for({0, 0, 50, 40}, 13, 29, Interpolation::kBilinear));
}

TEST(ResampleTest, UpscaleOfCropMatchesReference) {
  const Image src = noise_image(40, 30, 3);
  expect_matches_reference(src, spec_for({7, 4, 19, 21}, 31, 26, Interpolation::kBicubic));
  expect_matches_reference(src, spec_for({7, 4, 19, 21}, 31, 26, Interpolation::kBilinear));
}

TEST(ResampleTest, FractionalBoxMatchesReference) {
  const Image src = noise_image(45, 45, 4);
  expect_matches_reference(src, spec_for({3.3, 5.75, 40.2, 30.5}, 16, 16, Interpolation::kBicubic));
}

TEST(ResampleTest, BoxOfIntegerCropEqualsResizingTheCrop) {
  const Image src = noise_image(48, 36, 5);
  Image crop(20, 14);
  for (int y = 0; y < crop.height; ++y) {
    for (int x = 0; x < crop.width; ++x) {
      for (int c = 0; c < 3; ++c) crop.at(x, y)[c] = src.at(x + 9, y + 11)[c];
    }
  }
  const Image direct = resample(src, spec_for({9, 11, 29, 25}, 12, 9, Interpolation::kBicubic));
  EXPECT_EQ(direct.pixels, resize(crop, 12, 9, Interpolation::kBicubic).pixels);
}

TEST(ResampleTest, WindowEqualsCropOfFullResize) {
  const Image src = noise_image(64, 48, 6);
  ResampleSpec spec = spec_for({0, 0, 64, 48}, 40, 30, Interpolation::kBicubic);
  const Image full = resample(src, spec);
  spec.window_x = 5;
  spec.window_y = 7;
  spec.window_width = 20;
  spec.window_height = 13;
  const Image window = resample(src, spec);
  ASSERT_EQ(window.width, 20);
  ASSERT_EQ(window.height, 13);
  for (int y = 0; y < 13; ++y) {
    for (int x = 0; x < 20; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(window.at(x, y)[c], full.at(x + 5, y + 7)[c]);
    }
  }
}

TEST(ResampleTest, SameSizeIsIdentity) {
  const Image src = noise_image(17, 9, 7);
  EXPECT_EQ(resize(src, 17, 9, Interpolation::kBicubic).pixels, src.pixels);
  EXPECT_EQ(resize(src, 17, 9, Interpolation::kBilinear).pixels, src.pixels);
}

TEST(ResampleTest, FlipMirrorsRows) {
  const Image src = noise_image(5, 3, 8);
  Image flipped = src;
  flip_horizontal(flipped);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(flipped.at(x, y)[c], src.at(4 - x, y)[c]);
    }
  }
}

TEST(ResampleTest, BadBoxOrWindowIsAnError) {
  const Image src = noise_image(10, 10, 9);
  EXPECT_THROW(resample(src, spec_for({5, 5, 5, 8}, 4, 4, Interpolation::kBicubic)), Error);
  EXPECT_THROW(resample(src, spec_for({20, 0, 30, 10}, 4, 4, Interpolation::kBicubic)), Error);
  ResampleSpec spec = spec_for({0, 0, 10, 10}, 4, 4, Interpolation::kBicubic);
  spec.window_x = 3;
  spec.window_width = 2;
  EXPECT_THROW(resample(src, spec), Error);
  EXPECT_THROW(parse_interpolation("lanczos"), Error);
  EXPECT_EQ(parse_interpolation("bilinear"), Interpolation::kBilinear);
}

}  // namespace
}  // namespace swinpp::data

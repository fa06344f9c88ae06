// RandAugment policy parsing, the PIL-equivalent ops, and colour jitter.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "swinpp/data/color_jitter.h"
#include "swinpp/data/color_ops.h"
#include "swinpp/data/geometric_ops.h"
#include "swinpp/data/rand_augment.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

Image noise_image(int width, int height, uint32_t seed, int lo = 0, int hi = 255) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> value(lo, hi);
  Image image(width, height);
  for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(value(gen));
  return image;
}

TEST(RandAugmentParseTest, SwinPolicy) {
  const RandAugmentConfig config = parse_rand_augment("rand-m9-mstd0.5-inc1");
  EXPECT_EQ(config.num_ops, 2);
  EXPECT_DOUBLE_EQ(config.magnitude, 9.0);
  EXPECT_DOUBLE_EQ(config.magnitude_std, 0.5);
  EXPECT_DOUBLE_EQ(config.op_probability, 0.5);
  EXPECT_TRUE(config.increasing);
  const std::vector<std::string> expected = {"AutoContrast",
                                             "Equalize",
                                             "Invert",
                                             "Rotate",
                                             "PosterizeIncreasing",
                                             "SolarizeIncreasing",
                                             "SolarizeAdd",
                                             "ColorIncreasing",
                                             "ContrastIncreasing",
                                             "BrightnessIncreasing",
                                             "SharpnessIncreasing",
                                             "ShearX",
                                             "ShearY",
                                             "TranslateXRel",
                                             "TranslateYRel"};
  ASSERT_EQ(config.ops.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(augment_op_name(config.ops[i]), expected[i]);
}

TEST(RandAugmentParseTest, OtherSectionsAndErrors) {
  const RandAugmentConfig config = parse_rand_augment("rand-n3-m7-mmax9-p0.8");
  EXPECT_EQ(config.num_ops, 3);
  EXPECT_DOUBLE_EQ(config.magnitude, 7.0);
  EXPECT_DOUBLE_EQ(config.magnitude_max, 9.0);
  EXPECT_DOUBLE_EQ(config.op_probability, 0.8);
  EXPECT_FALSE(config.increasing);
  EXPECT_EQ(config.ops[4], AugmentOp::kPosterize);
  EXPECT_FALSE(parse_rand_augment("rand-m9-inc0").increasing);
  EXPECT_THROW(parse_rand_augment("augmix-m9"), Error);
  EXPECT_THROW(parse_rand_augment("rand-q9"), Error);
  EXPECT_THROW(parse_rand_augment("rand-m9x"), Error);
}

TEST(ColorOpsTest, PointOpsFollowTheirFormulas) {
  const Image source = noise_image(13, 7, 1);
  Image inverted = source, solarized = source, posterized = source, added = source;
  invert(inverted);
  solarize(solarized, 128);
  posterize(posterized, 2);
  solarize_add(added, 60);
  for (size_t i = 0; i < source.pixels.size(); ++i) {
    const int v = source.pixels[i];
    EXPECT_EQ(inverted.pixels[i], 255 - v);
    EXPECT_EQ(solarized.pixels[i], v < 128 ? v : 255 - v);
    EXPECT_EQ(posterized.pixels[i], v & 0xC0);
    EXPECT_EQ(added.pixels[i], v < 128 ? std::min(255, v + 60) : v);
  }
}

TEST(ColorOpsTest, EnhanceOpsBlendWithTheirDegenerateImage) {
  const Image source = noise_image(9, 8, 2);
  Image dark = source, grey = source, flat = source;
  adjust_brightness(dark, 0.5);
  adjust_saturation(grey, 0.0);
  adjust_contrast(flat, 0.0);
  double luma_sum = 0.0;
  for (int i = 0; i < 9 * 8; ++i) {
    const uint8_t* p = &source.pixels[i * 3];
    luma_sum += (p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16;
  }
  const int mean = static_cast<int>(luma_sum / (9 * 8) + 0.5);
  for (int i = 0; i < 9 * 8; ++i) {
    const uint8_t* p = &source.pixels[i * 3];
    const int l = (p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16;
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(dark.pixels[i * 3 + c], static_cast<int>(p[c] * 0.5f));
      EXPECT_EQ(grey.pixels[i * 3 + c], l);
      EXPECT_EQ(flat.pixels[i * 3 + c], mean);
    }
  }
  Image same = source;
  adjust_sharpness(same, 1.0);
  EXPECT_EQ(same.pixels, source.pixels);
}

TEST(ColorOpsTest, AutoContrastStretchesAndEqualizeSpreads) {
  Image narrow = noise_image(16, 16, 3, 50, 100);
  auto_contrast(narrow);
  for (int c = 0; c < 3; ++c) {
    int lo = 255, hi = 0;
    for (int i = 0; i < 256; ++i) {
      lo = std::min<int>(lo, narrow.pixels[i * 3 + c]);
      hi = std::max<int>(hi, narrow.pixels[i * 3 + c]);
    }
    EXPECT_EQ(lo, 0);
    EXPECT_GE(hi, 254);  // PIL's int(v * scale + offset) may land just below 255
  }
  // Two grey levels, half the pixels each: equalisation maps them to 0 and 255.
  Image two_levels(32, 32);
  for (int i = 0; i < 1024; ++i) std::fill_n(&two_levels.pixels[i * 3], 3, i < 512 ? 10 : 200);
  equalize(two_levels);
  EXPECT_EQ(two_levels.pixels.front(), 0);
  EXPECT_EQ(two_levels.pixels.back(), 255);
}

TEST(GeometricOpsTest, TranslateShiftsAndFills) {
  const Image source = noise_image(16, 6, 4);
  const FillColor fill{1, 2, 3};
  const Image moved = translate_x_relative(source, 0.25, fill);  // 4 pixels
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 16; ++x) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(moved.at(x, y)[c], x < 12 ? source.at(x + 4, y)[c] : fill[c]);
      }
    }
  }
  EXPECT_EQ(shear_x(source, 0.0, fill).pixels, source.pixels);
  EXPECT_EQ(rotate(source, 0.0, fill).pixels, source.pixels);
}

TEST(GeometricOpsTest, HalfTurnMirrorsBothAxes) {
  const Image source = noise_image(10, 8, 5);
  const Image turned = rotate(source, 180.0, FillColor{0, 0, 0});
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 10; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(turned.at(x, y)[c], source.at(9 - x, 7 - y)[c], 1);
    }
  }
}

TEST(RandAugmentTest, DeterministicPerGeneratorAndChangesImages) {
  const RandAugment augment("rand-m9-mstd0.5-inc1");
  const Image source = noise_image(24, 24, 6);
  int changed = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    Image a = source, b = source;
    Generator ga(seed), gb(seed);
    augment.apply(a, ga);
    augment.apply(b, gb);
    EXPECT_EQ(a.pixels, b.pixels);
    changed += a.pixels != source.pixels ? 1 : 0;
  }
  // Each of 2 ops is applied with probability 0.5: most images change.
  EXPECT_GE(changed, 8);
}

TEST(RandAugmentTest, ZeroMagnitudeIncreasingOpsLeaveImage) {
  const RandAugment augment("rand-m0-inc1");
  const Image source = noise_image(12, 12, 7);
  Generator gen(0);
  for (const AugmentOp op :
       {AugmentOp::kRotate, AugmentOp::kSolarizeIncreasing, AugmentOp::kColorIncreasing,
        AugmentOp::kBrightnessIncreasing, AugmentOp::kShearY, AugmentOp::kTranslateYRel}) {
    Image image = source;
    augment.apply_op(op, 0.0, image, gen);
    EXPECT_EQ(image.pixels, source.pixels) << augment_op_name(op);
  }
}

TEST(ColorJitterTest, ZeroIsIdentityAndOtherwiseDeterministic) {
  const Image source = noise_image(10, 10, 8);
  Image same = source;
  Generator gen(0);
  ColorJitter(0.0).apply(same, gen);
  EXPECT_EQ(same.pixels, source.pixels);
  EXPECT_TRUE(ColorJitter(0.0).is_identity());
  Image a = source, b = source;
  Generator ga(5), gb(5);
  ColorJitter(0.4).apply(a, ga);
  ColorJitter(0.4).apply(b, gb);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, source.pixels);
  EXPECT_THROW(ColorJitter(-0.1), Error);
}

}  // namespace
}  // namespace swinpp::data

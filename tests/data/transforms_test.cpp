// Crop geometry, normalisation and the train / eval transforms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "swinpp/data/crop_geometry.h"
#include "swinpp/data/decode_resampled.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/data/image_encoder.h"
#include "swinpp/data/image_tensor.h"
#include "swinpp/data/random_erasing.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

Image test_picture(int width, int height, uint64_t seed) {
  Generator gen(seed);
  return render_synthetic_image(3, width, height, gen);
}

torch::Tensor reference_normalize(const Image& image, const Normalization& n) {
  const torch::Tensor mean = torch::tensor({n.mean[0], n.mean[1], n.mean[2]}).view({3, 1, 1});
  const torch::Tensor std = torch::tensor({n.std[0], n.std[1], n.std[2]}).view({3, 1, 1});
  return (image_to_tensor(image).permute({2, 0, 1}).to(torch::kFloat32) / 255.0f - mean) / std;
}

TEST(CropGeometryTest, RandomResizedCropStaysInsideWithinScaleAndRatio) {
  const RandomResizedCropOptions options;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    Generator gen(seed);
    const CropBox box = sample_random_resized_crop(500, 375, options, gen);
    ASSERT_GE(box.x, 0);
    ASSERT_GE(box.y, 0);
    ASSERT_LE(box.x + box.width, 500);
    ASSERT_LE(box.y + box.height, 375);
    const double area = static_cast<double>(box.width) * box.height / (500.0 * 375.0);
    EXPECT_GE(area, 0.075);  // 0.08 up to rounding of the sides
    EXPECT_LE(area, 1.0);
    const double ratio = static_cast<double>(box.width) / box.height;
    if (box.width != 500 && box.height != 375) {
      EXPECT_GT(ratio, 0.7);
      EXPECT_LT(ratio, 1.4);
    }
  }
}

TEST(CropGeometryTest, FallbackIsCentreCropClippedToRatio) {
  // Nothing of area >= 90% fits a 4:3 ratio in a 1000x10 strip: centre fallback.
  RandomResizedCropOptions options;
  options.scale_min = 0.9;
  Generator gen(1);
  const CropBox box = sample_random_resized_crop(1000, 10, options, gen);
  const int expected_width = static_cast<int>(std::nearbyint(10 * options.ratio_max));
  EXPECT_EQ(box.height, 10);
  EXPECT_EQ(box.width, expected_width);
  EXPECT_EQ(box.x, (1000 - expected_width) / 2);
  EXPECT_EQ(box.y, 0);
}

TEST(CropGeometryTest, EvalResizesShorterSideThenCentreCrops) {
  for (const int size : {224, 192, 256}) {
    const int shorter = static_cast<int>(256.0 / 224.0 * size);
    const EvalGeometry landscape = eval_geometry(500, 375, size, true);
    EXPECT_EQ(landscape.resized_height, shorter);
    EXPECT_EQ(landscape.resized_width, shorter * 500 / 375);
    EXPECT_EQ(landscape.crop.width, size);
    EXPECT_EQ(landscape.crop.height, size);
    EXPECT_NEAR(landscape.crop.x, (landscape.resized_width - size) / 2.0, 0.5);
    EXPECT_NEAR(landscape.crop.y, (landscape.resized_height - size) / 2.0, 0.5);
    const EvalGeometry portrait = eval_geometry(300, 400, size, true);
    EXPECT_EQ(portrait.resized_width, shorter);
    EXPECT_EQ(portrait.resized_height, shorter * 400 / 300);
    const EvalGeometry direct = eval_geometry(500, 375, size, false);
    EXPECT_EQ(direct.resized_width, size);
    EXPECT_EQ(direct.resized_height, size);
    EXPECT_EQ(direct.crop.x, 0);
  }
}

TEST(NormalizeTest, MatchesTorchArithmetic) {
  const Image image = test_picture(19, 11, 2);
  const Normalization normalization;
  const torch::Tensor ours = to_normalized_tensor(image, normalization);
  EXPECT_TRUE(torch::allclose(ours, reference_normalize(image, normalization), 1e-5, 1e-6));
  const Image back = denormalize_to_image(ours, normalization);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(EvalTransformTest, EqualsResizeCropNormalise) {
  const Image image = test_picture(80, 60, 3);
  EvalTransformOptions options;
  options.img_size = 32;
  const EvalTransform transform(options);
  Generator gen(0);
  const torch::Tensor out = transform(image, gen);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({3, 32, 32}));
  const EvalGeometry g = eval_geometry(80, 60, 32, true);
  const Image resized = resize(image, g.resized_width, g.resized_height);
  const torch::Tensor expected = reference_normalize(resized, options.normalization)
                                     .slice(1, g.crop.y, g.crop.y + 32)
                                     .slice(2, g.crop.x, g.crop.x + 32);
  EXPECT_TRUE(torch::allclose(out, expected, 1e-5, 1e-6));
  // From the encoded bytes (here at full DCT scale: 60 < the resized height).
  const std::vector<uint8_t> png = encode_png(image);
  EXPECT_TRUE(torch::allclose(transform(png, gen, "x.png"), expected, 1e-5, 1e-6));
}

TEST(TrainTransformTest, ShapeRangeAndDeterminism) {
  TrainTransformOptions options;
  options.img_size = 48;
  options.erasing.probability = 0.0;
  const TrainTransform transform(options);
  const std::vector<uint8_t> bytes = encode_jpeg(test_picture(96, 72, 4), 90);
  Generator a = sample_generator(7, 0, 5);
  Generator b = sample_generator(7, 0, 5);
  Generator c = sample_generator(7, 0, 6);
  const torch::Tensor first = transform(bytes, a);
  ASSERT_EQ(first.sizes(), torch::IntArrayRef({3, 48, 48}));
  EXPECT_TRUE(torch::equal(first, transform(bytes, b)));
  EXPECT_FALSE(torch::equal(first, transform(bytes, c)));
  for (int ch = 0; ch < 3; ++ch) {
    const float lo = (0.0f - options.normalization.mean[ch]) / options.normalization.std[ch];
    const float hi = (1.0f - options.normalization.mean[ch]) / options.normalization.std[ch];
    EXPECT_GE(first[ch].min().item<float>(), lo - 1e-5f);
    EXPECT_LE(first[ch].max().item<float>(), hi + 1e-5f);
  }
}

TEST(TrainTransformTest, ColorJitterAndSimmimPresetsRun) {
  TrainTransformOptions jitter;
  jitter.img_size = 24;
  jitter.auto_augment = "none";
  const TrainTransform with_jitter(jitter);
  const TrainTransform simmim(TrainTransformOptions::simmim(24));
  EXPECT_DOUBLE_EQ(simmim.options().crop.scale_min, 0.67);
  const Image image = test_picture(40, 40, 5);
  Generator g1(1), g2(1);
  EXPECT_TRUE(torch::equal(with_jitter(image, g1), with_jitter(image, g2)));
  Generator g3(2);
  EXPECT_TRUE(torch::isfinite(simmim(image, g3)).all().item<bool>());
}

TEST(TrainTransformTest, ReducedDecodeApproximatesFullDecode) {
  // A large JPEG and a small output: apply() decodes at a reduced DCT scale.
  const Image picture = test_picture(384, 320, 6);
  const std::vector<uint8_t> bytes = encode_jpeg(picture, 95);
  const TrainTransform transform(TrainTransformOptions::crop_flip(32, Interpolation::kBicubic));
  double total = 0.0;
  for (int64_t index = 0; index < 8; ++index) {
    Generator a = sample_generator(1, 0, index);
    Generator b = sample_generator(1, 0, index);
    const torch::Tensor reduced = transform(bytes, a);
    const torch::Tensor full = transform(picture, b);  // same crop and flip draws
    total += (reduced - full).abs().mean().item<double>();
  }
  EXPECT_LT(total / 8, 0.1);  // in normalised units (one grey level is ~0.017)
}

TEST(TrainTransformTest, CropFlipPathEqualsDecodeResampledFlippedAndNormalised) {
  // Without 8-bit augmentations the transform converts, mirrors and
  // normalises in one pass: it must equal the step-by-step pipeline.
  const Image picture = test_picture(120, 90, 7);
  const TrainTransform transform(TrainTransformOptions::crop_flip(40, Interpolation::kBicubic));
  for (const std::vector<uint8_t>& bytes : {encode_jpeg(picture, 90), encode_png(picture)}) {
    for (int64_t index = 0; index < 6; ++index) {
      Generator gen = sample_generator(2, 0, index);
      const torch::Tensor fused = transform(bytes, gen);
      Generator replay = sample_generator(2, 0, index);
      const ImageInfo info = read_image_info(bytes.data(), bytes.size(), "x");
      const CropBox crop = sample_random_resized_crop(info.width, info.height, {}, replay);
      ResampleSpec spec;
      spec.box = SourceBox{static_cast<double>(crop.x), static_cast<double>(crop.y),
                           static_cast<double>(crop.x + crop.width),
                           static_cast<double>(crop.y + crop.height)};
      spec.out_width = spec.out_height = 40;
      Image expected = decode_resampled(bytes.data(), bytes.size(), info, spec, "x");
      if (bernoulli(replay, 0.5)) flip_horizontal(expected);
      EXPECT_TRUE(torch::equal(fused, to_normalized_tensor(expected))) << index;
    }
  }
}

TEST(TrainTransformTest, BadOptionsAreErrors) {
  TrainTransformOptions options;
  options.img_size = 0;
  EXPECT_THROW(TrainTransform{options}, Error);
  options = TrainTransformOptions();
  options.auto_augment = "rand-x9";
  EXPECT_THROW(TrainTransform{options}, Error);
  const TrainTransform transform(TrainTransformOptions::crop_flip(16, Interpolation::kBilinear));
  Generator gen(0);
  EXPECT_THROW(transform(std::vector<uint8_t>{1, 2, 3}, gen, "junk.jpg"), Error);
}

TEST(RandomErasingTest, PixelModeFillsOneRectangleWithNoise) {
  const int h = 40, w = 40;
  RandomErasingOptions options;
  options.probability = 1.0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> image(3 * h * w, 100.0f);
    Generator gen(seed);
    random_erase(image.data(), 3, h, w, options, gen);
    int x0 = w, x1 = -1, y0 = h, y1 = -1, changed = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        if (image[y * w + x] != 100.0f) {
          ++changed;
          x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
        }
      }
    }
    ASSERT_GT(changed, 0);
    const int box = (x1 - x0 + 1) * (y1 - y0 + 1);
    EXPECT_EQ(changed, box);  // a full rectangle (noise never equals 100 exactly)
    EXPECT_GE(box, 0.02 * h * w * 0.8);
    EXPECT_LE(box, h * w / 3.0 * 1.2);
  }
  options.probability = 0.0;
  std::vector<float> untouched(3 * h * w, 1.0f);
  Generator gen(0);
  random_erase(untouched.data(), 3, h, w, options, gen);
  EXPECT_EQ(untouched, std::vector<float>(3 * h * w, 1.0f));
  EXPECT_EQ(parse_erasing_mode("const"), ErasingMode::kConst);
  EXPECT_THROW(parse_erasing_mode("zero"), Error);
}

}  // namespace
}  // namespace swinpp::data

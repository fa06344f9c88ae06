// Mixup / CutMix against timm's definitions.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "swinpp/data/mixup.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

torch::Tensor reference_target(const torch::Tensor& labels, int64_t classes,
                               const torch::Tensor& lam, double smoothing) {
  const double off = smoothing / classes;
  const torch::Tensor y1 =
      torch::nn::functional::one_hot(labels, classes).to(torch::kFloat32) * (1.0 - smoothing) + off;
  const torch::Tensor y2 =
      torch::nn::functional::one_hot(labels.flip(0), classes).to(torch::kFloat32) *
          (1.0 - smoothing) +
      off;
  return lam * y1 + (1 - lam) * y2;
}

MixupOptions options_for(MixupMode mode, double mixup_alpha, double cutmix_alpha) {
  MixupOptions options;
  options.mode = mode;
  options.mixup_alpha = mixup_alpha;
  options.cutmix_alpha = cutmix_alpha;
  options.num_classes = 10;
  return options;
}

TEST(MixupTargetTest, MatchesOneHotFormula) {
  const torch::Tensor labels = torch::tensor({3, 1, 4, 1, 5, 9}, torch::kInt64);
  const torch::Tensor lam = torch::tensor(0.3f);
  const torch::Tensor ours = mixup_target(labels, 10, lam, 0.1);
  EXPECT_TRUE(torch::allclose(ours, reference_target(labels, 10, lam, 0.1), 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(ours.sum(1), torch::ones({6}), 1e-5, 1e-6));
}

TEST(MixupTest, BatchMixupIsConvexCombinationWithFlippedBatch) {
  const Mixup mixup(options_for(MixupMode::kBatch, 0.8, 0.0));
  const torch::Tensor original = torch::randn({4, 3, 8, 8});
  const torch::Tensor labels = torch::tensor({0, 1, 2, 3}, torch::kInt64);
  torch::Tensor images = original.clone();
  Generator gen(3);
  const torch::Tensor targets = mixup.apply(images, labels, gen);
  ASSERT_EQ(targets.sizes(), torch::IntArrayRef({4, 10}));
  EXPECT_TRUE(torch::allclose(targets.sum(1), torch::ones({4}), 1e-5, 1e-6));
  // lam from the target of row 0: on * lam + off * (1 - lam) for label 0.
  const double off = 0.1 / 10, on = 1.0 - 0.1 + off;
  const double lam = (targets[0][0].item<double>() - off) / (on - off);
  EXPECT_GT(lam, 0.0);
  EXPECT_LT(lam, 1.0);
  const torch::Tensor expected = original * lam + original.flip(0) * (1.0 - lam);
  EXPECT_TRUE(torch::allclose(images, expected, 1e-4, 1e-5));
  EXPECT_TRUE(
      torch::allclose(targets, reference_target(labels, 10, torch::tensor(lam), 0.1), 1e-4, 1e-6));
}

TEST(MixupTest, CutmixBoxAreaMatchesCorrectedLambda) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Generator gen(seed);
    const double lam = 0.05 + 0.9 * uniform01(gen);
    const CutmixBox box = cutmix_box(32, 24, lam, std::nullopt, true, gen);
    ASSERT_LE(0, box.y0);
    ASSERT_LE(box.y1, 32);
    ASSERT_LE(0, box.x0);
    ASSERT_LE(box.x1, 24);
    const double area = static_cast<double>((box.y1 - box.y0) * (box.x1 - box.x0));
    EXPECT_NEAR(box.lam, 1.0 - area / (32.0 * 24.0), 1e-12);
    EXPECT_GE(box.lam, lam - 1e-9);  // clipping only shrinks the box
    const CutmixBox uncorrected = cutmix_box(32, 24, lam, std::nullopt, false, gen);
    EXPECT_DOUBLE_EQ(uncorrected.lam, lam);
    const CutmixBox minmax = cutmix_box(32, 24, lam, std::make_pair(0.2, 0.6), false, gen);
    EXPECT_GE(minmax.y1 - minmax.y0, static_cast<int64_t>(32 * 0.2));
    EXPECT_LT(minmax.y1 - minmax.y0, static_cast<int64_t>(32 * 0.6));
    EXPECT_NEAR(minmax.lam,
                1.0 - static_cast<double>((minmax.y1 - minmax.y0) * (minmax.x1 - minmax.x0)) /
                          (32.0 * 24.0),
                1e-12);
  }
}

TEST(MixupTest, BatchCutmixPastesFlippedBoxAndTargetsUseItsArea) {
  const Mixup cutmix(options_for(MixupMode::kBatch, 0.0, 1.0));
  const torch::Tensor original =
      torch::arange(4 * 1 * 16 * 16, torch::kFloat32).view({4, 1, 16, 16});
  const torch::Tensor labels = torch::tensor({5, 6, 7, 8}, torch::kInt64);
  int pasted_batches = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    torch::Tensor images = original.clone();
    Generator gen(seed);
    const torch::Tensor targets = cutmix.apply(images, labels, gen);
    EXPECT_TRUE(images.eq(original).logical_or(images.eq(original.flip(0))).all().item<bool>());
    const double pasted = images[0].ne(original[0]).sum().item<double>();
    pasted_batches += pasted > 0 ? 1 : 0;
    const double lam = 1.0 - pasted / 256.0;
    EXPECT_TRUE(torch::allclose(targets, reference_target(labels, 10, torch::tensor(lam), 0.1),
                                1e-4, 1e-6));
  }
  EXPECT_GT(pasted_batches, 5);
}

TEST(MixupTest, PairAndElemModesGiveRowWiseLambdas) {
  for (const MixupMode mode : {MixupMode::kPair, MixupMode::kElem}) {
    const Mixup mixup(options_for(mode, 0.8, 0.0));
    const torch::Tensor original = torch::randn({6, 2, 4, 4});
    const torch::Tensor labels = torch::tensor({0, 1, 2, 3, 4, 5}, torch::kInt64);
    torch::Tensor images = original.clone();
    Generator gen(7);
    const torch::Tensor targets = mixup.apply(images, labels, gen);
    EXPECT_TRUE(torch::allclose(targets.sum(1), torch::ones({6}), 1e-5, 1e-6));
    const double off = 0.01, on = 0.9 + off;
    for (int64_t i = 0; i < 6; ++i) {
      const double lam = (targets[i][i].item<double>() - off) / (on - off);
      const torch::Tensor expected = original[i] * lam + original[5 - i] * (1.0 - lam);
      EXPECT_TRUE(torch::allclose(images[i], expected, 1e-4, 1e-5)) << "row " << i;
      if (mode == MixupMode::kPair) {
        EXPECT_NEAR(targets[i][i].item<double>(), targets[5 - i][5 - i].item<double>(), 1e-6);
      }
    }
  }
}

TEST(MixupTest, SameGeneratorSameResult) {
  const Mixup mixup{MixupOptions{}};
  const torch::Tensor original = torch::randn({4, 3, 8, 8});
  const torch::Tensor labels = torch::tensor({1, 2, 3, 4}, torch::kInt64);
  torch::Tensor a = original.clone(), b = original.clone();
  Generator ga(9), gb(9);
  EXPECT_TRUE(torch::equal(mixup.apply(a, labels, ga), mixup.apply(b, labels, gb)));
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(MixupTest, OddBatchAndBadSettingsAreErrors) {
  const Mixup mixup{MixupOptions{}};
  torch::Tensor odd = torch::zeros({3, 3, 4, 4});
  Generator gen(0);
  EXPECT_THROW(mixup.apply(odd, torch::zeros({3}, torch::kInt64), gen), Error);
  torch::Tensor even = torch::zeros({2, 3, 4, 4});
  EXPECT_THROW(mixup.apply(even, torch::tensor({0, 1000}, torch::kInt64), gen), Error);
  EXPECT_THROW(Mixup(options_for(MixupMode::kBatch, 0.0, 0.0)), Error);
  EXPECT_THROW(parse_mixup_mode("row"), Error);
  EXPECT_EQ(parse_mixup_mode("pair"), MixupMode::kPair);
}

}  // namespace
}  // namespace swinpp::data

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "swinpp/train/mask_generator.h"
#include "swinpp/util/error.h"

namespace swinpp::train {
namespace {

TEST(MaskGenerator, ShapeAndCountFollowTheOfficialRule) {
  const MaskGenerator masks(192, 32, 4, 0.6);
  std::mt19937_64 gen(1);
  const auto m = masks(gen);
  EXPECT_EQ(m.sizes(), torch::IntArrayRef({48, 48}));
  EXPECT_EQ(m.scalar_type(), torch::kInt64);
  // 6x6 cells, ceil(36 * 0.6) = 22 masked, each 8x8 model patches.
  EXPECT_EQ(masks.masked_cells(), 22);
  EXPECT_EQ(m.sum().item<int64_t>(), 22 * 8 * 8);
  // Every 8x8 block is constant: the mask lives on 32-pixel cells.
  const auto cells = m.view({6, 8, 6, 8});
  EXPECT_TRUE(torch::equal(cells.amax({1, 3}), cells.amin({1, 3})));
}

TEST(MaskGenerator, SeededAndDifferentAcrossSamples) {
  const MaskGenerator masks(64, 16, 4, 0.5);
  std::mt19937_64 a(7), b(7);
  const auto first = masks(a);
  EXPECT_TRUE(torch::equal(first, masks(b)));
  EXPECT_FALSE(torch::equal(first, masks(a)));
}

TEST(MaskGenerator, EveryCellIsChosenSometimes) {
  const MaskGenerator masks(64, 16, 4, 0.25);
  std::mt19937_64 gen(3);
  auto counts = torch::zeros({16, 16}, torch::kInt64);
  for (int i = 0; i < 400; ++i) counts += masks(gen);
  // Each of the 16 cells is masked with probability 1/4: about 100 of 400 times.
  EXPECT_GT(counts.min().item<int64_t>(), 60);
  EXPECT_LT(counts.max().item<int64_t>(), 140);
}

TEST(MaskGenerator, BadSizesAreConfigErrors) {
  EXPECT_THROW(MaskGenerator(100, 32, 4, 0.6), Error);
  EXPECT_THROW(MaskGenerator(96, 30, 4, 0.6), Error);
  EXPECT_THROW(MaskGenerator(96, 32, 4, 1.5), Error);
  try {
    MaskGenerator(100, 32, 4, 0.6);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DATA.MASK_PATCH_SIZE"), std::string::npos);
  }
}

}  // namespace
}  // namespace swinpp::train

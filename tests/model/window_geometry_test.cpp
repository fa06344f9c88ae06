#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "swinpp/model/window_geometry.h"

namespace swinpp {
namespace {

TEST(WindowGeometry, PartitionThenReverseIsIdentity) {
  auto x = torch::randn({2, 8, 12, 5});
  auto windows = window_partition(x, 4);
  EXPECT_EQ(windows.sizes(), torch::IntArrayRef({2 * 2 * 3, 4, 4, 5}));
  EXPECT_TRUE(torch::equal(window_reverse(windows, 4, 8, 12), x));
}

TEST(WindowGeometry, PartitionOrdersWindowsRowMajor) {
  auto x = torch::arange(4 * 4).view({1, 4, 4, 1}).to(torch::kFloat32);
  auto w = window_partition(x, 2);
  // Window 1 is the top-right 2x2 block: values 2, 3, 6, 7.
  EXPECT_TRUE(torch::equal(w[1].flatten(), torch::tensor({2.f, 3.f, 6.f, 7.f})));
}

TEST(WindowGeometry, RelativePositionIndexMatchesDefinition) {
  const int64_t W = 3;
  auto index = relative_position_index(W);
  ASSERT_EQ(index.sizes(), torch::IntArrayRef({9, 9}));
  for (int64_t a = 0; a < 9; ++a)
    for (int64_t b = 0; b < 9; ++b) {
      const int64_t dh = a / W - b / W + W - 1, dw = a % W - b % W + W - 1;
      EXPECT_EQ(index[a][b].item<int64_t>(), dh * (2 * W - 1) + dw);
    }
}

TEST(WindowGeometry, CoordsTableIsLogSpaced) {
  const int64_t W = 4;
  auto table = relative_coords_table(W, 0);
  ASSERT_EQ(table.sizes(), torch::IntArrayRef({1, 7, 7, 2}));
  auto expected = [](double d, double denom) {
    const double t = d / denom * 8.0;
    return (t > 0 ? 1.0 : (t < 0 ? -1.0 : 0.0)) * std::log2(std::abs(t) + 1.0) / 3.0;
  };
  for (int64_t i = 0; i < 7; ++i)
    for (int64_t j = 0; j < 7; ++j) {
      EXPECT_NEAR(table[0][i][j][0].item<double>(), expected(i - 3, 3), 1e-6);
      EXPECT_NEAR(table[0][i][j][1].item<double>(), expected(j - 3, 3), 1e-6);
    }
  // The extreme offset is 8 before the log: log2(9) / log2(8).
  EXPECT_NEAR(table[0][6][6][0].item<double>(), std::log2(9.0) / 3.0, 1e-6);
}

TEST(WindowGeometry, CoordsTableUsesPretrainedWindow) {
  auto table = relative_coords_table(16, 12);  // 12 -> 16 transfer
  const double t = 15.0 / 11.0 * 8.0;
  EXPECT_NEAR(table[0][30][15][0].item<double>(), std::log2(t + 1.0) / 3.0, 1e-6);
  EXPECT_NEAR(table[0][30][15][1].item<double>(), 0.0, 1e-7);
}

TEST(WindowGeometry, ShiftMaskSeparatesRegions) {
  const int64_t H = 8, W = 8, win = 4, shift = 2;
  auto mask = shifted_window_mask(H, W, win, shift);
  ASSERT_EQ(mask.sizes(), torch::IntArrayRef({4, 16, 16}));
  auto region = [&](int64_t r, int64_t c) {
    auto band = [&](int64_t v, int64_t n) { return v < n - win ? 0 : (v < n - shift ? 1 : 2); };
    return band(r, H) * 3 + band(c, W);
  };
  for (int64_t w = 0; w < 4; ++w)
    for (int64_t a = 0; a < 16; ++a)
      for (int64_t b = 0; b < 16; ++b) {
        const int64_t ra = (w / 2) * win + a / win, ca = (w % 2) * win + a % win;
        const int64_t rb = (w / 2) * win + b / win, cb = (w % 2) * win + b % win;
        const float want = region(ra, ca) == region(rb, cb) ? 0.f : -100.f;
        ASSERT_EQ(mask[w][a][b].item<float>(), want) << w << " " << a << " " << b;
      }
  // The first window lies inside one region: no masking at all.
  EXPECT_EQ(mask[0].abs().sum().item<float>(), 0.f);
}

}  // namespace
}  // namespace swinpp

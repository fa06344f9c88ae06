#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "swinpp/model/token_permutation.h"
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

/// The block's path before the fused shuffle: roll by -shift, then partition.
torch::Tensor roll_and_partition(const torch::Tensor& map, int64_t window, int64_t shift) {
  const int64_t C = map.size(3);
  return window_partition(torch::roll(map, {-shift, -shift}, {1, 2}), window)
      .reshape({map.size(0), -1, C});  // [B, nW*N, C]
}

TEST(ShiftedWindowOrder, OneGatherIsRollAndPartitionAndItsInverseGoesBack) {
  struct Map {
    int64_t H, W, window, shift;
  };
  for (const Map m : {Map{8, 8, 4, 2}, Map{8, 12, 4, 2}, Map{6, 9, 3, 1}, Map{16, 16, 8, 4}}) {
    const auto map = torch::randn({2, m.H, m.W, 5});  // [B, H, W, C]
    const auto order = shifted_window_order(m.H, m.W, m.window, m.shift);
    const auto inverse = torch::argsort(order);
    ASSERT_EQ(order.sizes(), torch::IntArrayRef({m.H * m.W}));
    EXPECT_TRUE(
        torch::equal(std::get<0>(order.sort()), torch::arange(m.H * m.W)));  // a permutation
    const auto tokens = map.reshape({2, m.H * m.W, 5});
    const auto windows = permute_tokens(tokens, order, inverse);
    EXPECT_TRUE(torch::equal(windows, roll_and_partition(map, m.window, m.shift)))
        << m.H << "x" << m.W << " window " << m.window;
    EXPECT_TRUE(torch::equal(permute_tokens(windows, inverse, order), tokens));
  }
}

TEST(ShiftedWindowOrder, TheGradientIsTheInverseGatherOfRollAndPartitions) {
  const auto map = torch::randn({3, 8, 12, 4});
  const auto weight = torch::randn({3, 8 * 12, 4});  // a different factor per output
  const auto order = shifted_window_order(8, 12, 4, 2);
  auto fused_in = map.reshape({3, 96, 4}).clone().requires_grad_();
  (permute_tokens(fused_in, order, torch::argsort(order)) * weight).sum().backward();
  auto reference_in = map.clone().requires_grad_();
  (roll_and_partition(reference_in, 4, 2) * weight).sum().backward();
  EXPECT_TRUE(torch::equal(fused_in.grad(), reference_in.grad().reshape({3, 96, 4})));
  EXPECT_THROW(permute_tokens(map, order, order), c10::Error);  // 4-d input
}

}  // namespace
}  // namespace swinpp

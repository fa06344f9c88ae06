#include "swinpp/model/window_geometry.h"

#include <torch/torch.h>

#include <cmath>

namespace swinpp {

torch::Tensor window_partition(const torch::Tensor& x, int64_t window) {
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  TORCH_CHECK(H % window == 0 && W % window == 0, "window_partition: map ", H, "x", W,
              " is not a multiple of the window ", window);
  auto v = x.view({B, H / window, window, W / window, window, C});
  return v.permute({0, 1, 3, 2, 4, 5}).reshape({-1, window, window, C});  // [B*nW, w, w, C]
}

torch::Tensor window_reverse(const torch::Tensor& windows, int64_t window, int64_t H, int64_t W) {
  const int64_t C = windows.size(-1);
  const int64_t B = windows.size(0) / ((H / window) * (W / window));
  auto v = windows.view({B, H / window, W / window, window, window, C});
  return v.permute({0, 1, 3, 2, 4, 5}).reshape({B, H, W, C});  // [B, H, W, C]
}

torch::Tensor shifted_window_order(int64_t H, int64_t W, int64_t window, int64_t shift) {
  TORCH_CHECK(H % window == 0 && W % window == 0, "shifted_window_order: map ", H, "x", W,
              " is not a multiple of the window ", window);
  // Rolling by -shift puts the token of (r + shift, c + shift) at (r, c).
  const auto rows = (torch::arange(H, torch::kLong) + shift).remainder(H);  // [H]
  const auto cols = (torch::arange(W, torch::kLong) + shift).remainder(W);  // [W]
  const auto positions =
      (rows.unsqueeze(1) * W + cols.unsqueeze(0)).view({1, H, W, 1});  // [1, H, W, 1]
  return window_partition(positions, window).reshape({H * W});         // [H*W]
}

torch::Tensor relative_coords_table(int64_t window, int64_t pretrained_window) {
  auto range = torch::arange(-(window - 1), window, torch::kFloat32);  // [2W-1]
  auto grid = torch::meshgrid({range, range}, "ij");
  auto table = torch::stack({grid[0], grid[1]}).permute({1, 2, 0}).contiguous();  // [2W-1, 2W-1, 2]
  const int64_t denom = pretrained_window > 0 ? pretrained_window - 1 : window - 1;
  if (denom > 0) table = table / static_cast<float>(denom);
  table = table * 8.0f;
  table = torch::sign(table) * torch::log2(torch::abs(table) + 1.0f) / std::log2(8.0f);
  return table.unsqueeze(0);  // [1, 2W-1, 2W-1, 2]
}

torch::Tensor relative_position_index(int64_t window) {
  auto coords = torch::arange(window, torch::kInt64);
  auto grid = torch::meshgrid({coords, coords}, "ij");
  auto flat = torch::stack({grid[0].flatten(), grid[1].flatten()});       // [2, N]
  auto rel = (flat.unsqueeze(2) - flat.unsqueeze(1)).permute({1, 2, 0});  // [N, N, 2]
  auto dh = rel.select(2, 0) + (window - 1);
  auto dw = rel.select(2, 1) + (window - 1);
  return (dh * (2 * window - 1) + dw).contiguous();  // [N, N]
}

torch::Tensor shifted_window_mask(int64_t H, int64_t W, int64_t window, int64_t shift) {
  auto img = torch::zeros({1, H, W, 1});
  const int64_t hb[4] = {0, H - window, H - shift, H};
  const int64_t wb[4] = {0, W - window, W - shift, W};
  float region = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      img.slice(1, hb[i], hb[i + 1]).slice(2, wb[j], wb[j + 1]).fill_(region);
      region += 1;
    }
  auto windows = window_partition(img, window).view({-1, window * window});  // [nW, N]
  auto diff = windows.unsqueeze(1) - windows.unsqueeze(2);                   // [nW, N, N]
  return torch::zeros_like(diff).masked_fill(diff != 0, -100.0f);
}

}  // namespace swinpp

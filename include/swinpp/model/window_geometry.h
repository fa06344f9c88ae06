#pragma once

#include <torch/types.h>

#include <cstdint>

namespace swinpp {

/// x: [B, H, W, C] with H, W multiples of `window`. Returns [B*nW, window, window, C].
torch::Tensor window_partition(const torch::Tensor& x, int64_t window);

/// The token order of shifted windows: entry i of the [H*W] int64 result is
/// the row-major position in an H x W map (H, W multiples of `window`) of the
/// token that window_partition puts at flat position i (window after window,
/// each row-major) once the map is rolled by -shift on both axes. Gathering a
/// map's tokens in this order is roll + window_partition in one copy; its
/// inverse permutation is window_reverse + the roll back.
torch::Tensor shifted_window_order(int64_t H, int64_t W, int64_t window, int64_t shift);

/// windows: [B*nW, window, window, C]. Returns [B, H, W, C].
torch::Tensor window_reverse(const torch::Tensor& windows, int64_t window, int64_t H, int64_t W);

/// The log-spaced relative coordinates of SwinV2 (Eq. 4): [1, 2W-1, 2W-1, 2],
/// channel 0 = dh, 1 = dw, each divided by (pretrained_window - 1) when
/// pretrained_window > 0, else by (window - 1), times 8, then
/// sign(t) * log2(|t| + 1) / log2(8). A window of 1 gives an all-zero table.
torch::Tensor relative_coords_table(int64_t window, int64_t pretrained_window);

/// Index of each (query, key) pair of a window into the flattened coords
/// table: [N, N] int64 with N = window^2, (dh + W - 1) * (2W - 1) + (dw + W - 1).
torch::Tensor relative_position_index(int64_t window);

/// The additive mask of shifted-window attention over an H x W map (H, W
/// multiples of `window`): [nW, N, N], -100 between tokens of different
/// regions of the rolled map and 0 within one. The regions are the slices
/// (0, -window), (-window, -shift), (-shift, end) on each axis.
torch::Tensor shifted_window_mask(int64_t H, int64_t W, int64_t window, int64_t shift);

}  // namespace swinpp

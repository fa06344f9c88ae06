#pragma once

#include <torch/types.h>

#include <cstdint>

namespace swinpp {

/// The attention bias of B_ windows of a shifted block, from `bias` [nW, h, N,
/// N] (position bias plus shift mask of each of the nW windows of an image):
/// [B_, h, N, N] of `dtype`, window b taking bias[b % nW]. The cast comes
/// before the copy, so the one tensor of B_·h·N² elements written is of
/// `dtype` (the attention's, bf16 under autocast) and no float32 copy of it is
/// made; the gradient sums the B_ / nW copies in bias's own dtype (float32),
/// not in `dtype`. Throws c10::Error when B_ is not a multiple of nW.
torch::Tensor expand_window_bias(const torch::Tensor& bias, int64_t windows, c10::ScalarType dtype);

}  // namespace swinpp

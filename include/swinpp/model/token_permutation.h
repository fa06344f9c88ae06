#pragma once

#include <torch/types.h>

namespace swinpp {

/// x: [B, T, C]. Returns x.index_select(1, order) ([B, T, C]), differentiable
/// with a backward that is one gather too (by `inverse`, the inverse
/// permutation of `order`) instead of index_select's zero-fill and
/// scatter-add. `order` and `inverse`: [T] int64 on x's device. Used for the
/// shifted-window shuffle (shifted_window_order).
torch::Tensor permute_tokens(const torch::Tensor& x, const torch::Tensor& order,
                             const torch::Tensor& inverse);

}  // namespace swinpp

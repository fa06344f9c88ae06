#pragma once

#include <torch/types.h>

namespace swinpp {

/// x: [..., d]; scale: undefined (1) or broadcastable to x's shape with a last
/// dimension of 1 (the heads' [h, 1, 1] against [B_, h, N, d]). Returns
/// scale * x / max(||x||_2, 1e-12) over the last dimension (F.normalize, then
/// the scale), contiguous, in x's dtype, computed in float32 (float64 for a
/// float64 x) and rounded once, under autocast too. Forward reads x twice (norm,
/// product); backward reads x and the gradient about twice each, where
/// composing it from ATen operators makes float32 copies of x at each step.
torch::Tensor scaled_normalize(const torch::Tensor& x, const torch::Tensor& scale);

}  // namespace swinpp

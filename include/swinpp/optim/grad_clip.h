#pragma once

#include <torch/types.h>

#include <vector>

namespace swinpp::optim {

/// The L2 norm of all gradients together, sqrt(sum over params of ||grad||^2),
/// computed in float32 at least; parameters without a gradient are skipped
/// (0 when none has one). Returns +inf or NaN when a gradient is not finite.
double grad_norm(const std::vector<torch::Tensor>& params);

/// Like torch.nn.utils.clip_grad_norm_: returns the total L2 norm of the
/// gradients before clipping, and when max_norm > 0 multiplies every gradient
/// by max_norm / (norm + 1e-6) if that is below 1. A non-finite norm (inf or
/// NaN: an fp16 overflow, a diverged loss) is returned as it is and leaves the
/// gradients untouched, so the caller can see it and skip the step instead of
/// zeroing or poisoning every gradient.
double clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace swinpp::optim

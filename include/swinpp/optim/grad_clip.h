#pragma once

#include <torch/types.h>

#include <vector>

namespace swinpp::optim {

/// The L2 norm of all gradients together, sqrt(sum over params of ||grad||^2),
/// as a float32 scalar tensor [] on the gradients' device, computed in float32
/// at least; parameters without a gradient are skipped (0 on the CPU when none
/// has one). +inf or NaN when a gradient is not finite. Nothing is read from
/// the device.
torch::Tensor grad_norm(const std::vector<torch::Tensor>& params);

/// Like torch.nn.utils.clip_grad_norm_(foreach=True): returns the total L2
/// norm of the gradients before clipping (as grad_norm), and when max_norm > 0
/// multiplies every gradient by min(1, max_norm / (norm + 1e-6)), on the
/// device, without reading the norm. A non-finite norm (inf or NaN: an fp16
/// overflow, a diverged loss) leaves the gradients untouched, so that the
/// caller can skip the step instead of zeroing or poisoning every gradient.
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& params, double max_norm);

/// The clipping of clip_grad_norm, for gradients whose norm is already known
/// (a sharded optimizer computes it from its shards and one all-reduce):
/// multiplies `gradients` by min(1, max_norm / (norm + 1e-6)) where `norm`
/// ([] or [1], on their device) is finite. Does nothing when max_norm <= 0.
void clip_to_norm(const std::vector<torch::Tensor>& gradients, const torch::Tensor& norm,
                  double max_norm);

}  // namespace swinpp::optim

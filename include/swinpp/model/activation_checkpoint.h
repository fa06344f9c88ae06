#pragma once

#include <torch/types.h>

#include <functional>

namespace swinpp {

/// A forward pass over one tensor that activation checkpointing may run twice.
/// Given the same input, random generator state and autocast state it must
/// compute the same result (dropout and drop path draw from the default generators).
using CheckpointedForward = std::function<torch::Tensor(const torch::Tensor&)>;

/// Activation checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear
/// Memory Cost"; SwinV2 §3.5): runs `forward(x)` without recording its graph, so
/// that only `x` is kept, and runs it again during backward with gradients on,
/// then back-propagates through the recomputed graph.
///
/// The second run sees what the first saw: the default CPU generator state (and
/// that of x's CUDA device) and the autocast state are set to their values at the
/// first run and restored afterwards, so dropout and drop path draw the same masks.
///
/// Parameters used inside `forward` receive their gradients from a nested backward
/// pass that accumulates into `.grad` exactly as a plain backward does; hooks
/// registered on them (e.g. a data-parallel reducer's) fire once per backward with
/// the full gradient. Hence only `backward()` reaches those parameters:
/// torch::autograd::grad with respect to them is not supported. When `x` does not
/// require grad, the output is still connected to the graph, so the parameters
/// inside `forward` are still trained.
///
/// x: any shape. Returns forward(x).
torch::Tensor activation_checkpoint(const CheckpointedForward& forward, const torch::Tensor& x);

}  // namespace swinpp

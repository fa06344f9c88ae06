#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "swinpp/dist/communicator.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace swinpp::dist {

/// Bytes broadcast per collective: tensors are packed into flat chunks of
/// about this size, so that a large model needs only a bounded extra buffer.
constexpr int64_t kBroadcastChunkBytes = 64 * 1024 * 1024;

/// Overwrites every tensor with rank `root`'s values (in place, without
/// autograd), so that all ranks start from identical weights. Tensors are
/// matched by position: every rank must pass the same list of shapes and
/// dtypes. Throws swinpp::Error when a tensor is undefined or a collective fails.
void broadcast_parameters(const std::vector<torch::Tensor>& tensors, Communicator& comm,
                          int root = 0);

/// broadcast_parameters over the parameters and buffers of `module` (recursively,
/// in registration order).
void broadcast_module(const torch::nn::Module& module, Communicator& comm, int root = 0);

}  // namespace swinpp::dist

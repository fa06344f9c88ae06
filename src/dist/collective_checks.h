// Argument checks shared by every Communicator backend.
#pragma once

#include <ATen/Tensor.h>

#include <string>

namespace swinpp::dist::detail {

/// "float [4, 3] on cpu", for error messages.
std::string describe(const at::Tensor& t);

/// Throws swinpp::Error unless `t` is defined, dense and contiguous.
void check_collective_tensor(const at::Tensor& t, const std::string& op, const std::string& role);

/// Throws swinpp::Error unless full.numel() == world * shard.numel() and both
/// have the same dtype and device.
void check_shard_sizes(const at::Tensor& full, const at::Tensor& shard, int world,
                       const std::string& op);

/// Throws swinpp::Error unless 0 <= root < world.
void check_root(int root, int world, const std::string& op);

}  // namespace swinpp::dist::detail

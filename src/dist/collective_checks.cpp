#include "collective_checks.h"

#include <ATen/ATen.h>

#include <sstream>

#include "swinpp/util/error.h"

namespace swinpp::dist::detail {

std::string describe(const at::Tensor& t) {
  if (!t.defined()) {
    return "an undefined tensor";
  }
  std::ostringstream out;
  out << t.scalar_type() << " " << t.sizes() << " on " << t.device();
  return out.str();
}

void check_collective_tensor(const at::Tensor& t, const std::string& op, const std::string& role) {
  if (!t.defined() || t.is_sparse() || !t.is_contiguous()) {
    throw Error(op + ": expected " + role + " to be a defined, dense, contiguous tensor, found " +
                describe(t) + (t.defined() && !t.is_contiguous() ? " (not contiguous)" : ""));
  }
}

void check_shard_sizes(const at::Tensor& full, const at::Tensor& shard, int world,
                       const std::string& op) {
  check_collective_tensor(full, op, "the full tensor");
  check_collective_tensor(shard, op, "the shard");
  if (full.numel() != world * shard.numel()) {
    throw Error(op + ": expected the full tensor to hold world_size (" + std::to_string(world) +
                ") x shard numel (" + std::to_string(shard.numel()) + ") = " +
                std::to_string(world * shard.numel()) + " elements, found " + describe(full));
  }
  if (full.scalar_type() != shard.scalar_type() || full.device() != shard.device()) {
    throw Error(op + ": expected the full tensor and the shard to share dtype and device, found " +
                describe(full) + " and " + describe(shard));
  }
}

void check_root(int root, int world, const std::string& op) {
  if (root < 0 || root >= world) {
    throw Error(op + ": expected a root rank in [0, " + std::to_string(world) + "), found " +
                std::to_string(root));
  }
}

}  // namespace swinpp::dist::detail

#pragma once

#include <cstdint>
#include <string>
#include <tuple>

namespace swinpp::config {

/// DIST (swinpp): multi-process training.
struct DistConfig {
  /// DIST.BACKEND: one of auto (nccl on CUDA, else gloo; single when there is
  /// one process), gloo, nccl, single.
  std::string backend = "auto";
  /// DIST.TIMEOUT_S: collective timeout, in seconds.
  int64_t timeout_s = 1800;
  /// DIST.ZERO_STAGE: 0 = replicated optimizer state, 1 = AdamW state sharded
  /// across processes, 2 = gradients reduce-scattered into the shards as well.
  int64_t zero_stage = 0;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(backend, timeout_s, zero_stage); }
};

/// True when every field is equal.
inline bool operator==(const DistConfig& a, const DistConfig& b) {
  return a.fields() == b.fields();
}
/// True when any field differs.
inline bool operator!=(const DistConfig& a, const DistConfig& b) { return !(a == b); }

}  // namespace swinpp::config

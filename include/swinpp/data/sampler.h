#pragma once

#include <cstdint>
#include <vector>

namespace swinpp::data {

/// How one rank takes its share of a dataset.
struct ShardOptions {
  int rank = 0;
  int world_size = 1;
  /// Permute the samples each epoch (else dataset order).
  bool shuffle = true;
  /// Cut the tail that does not divide evenly instead of padding it.
  bool drop_last = false;
  uint64_t seed = 0;
};

/// torch's DistributedSampler with a portable permutation: each epoch's order
/// is a function of (seed, epoch) only; every rank gets the same number of
/// samples, padded by wrapping around to the start of the order (or cut with
/// drop_last), and rank r takes positions r, r + world_size, ...
class DistributedSampler {
 public:
  /// Throws swinpp::Error when dataset_size < 1, world_size < 1, the rank is
  /// outside [0, world_size), or drop_last leaves a rank empty.
  DistributedSampler(int64_t dataset_size, ShardOptions options);

  /// Samples of one rank per epoch.
  int64_t shard_size() const { return shard_size_; }
  /// shard_size() * world_size.
  int64_t total_size() const { return shard_size_ * options_.world_size; }
  /// The options in use.
  const ShardOptions& options() const { return options_; }

  /// The whole dataset's order for `epoch`: a permutation of [0, dataset_size).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  /// This rank's dataset indices for `epoch`, shard_size() of them.
  std::vector<int64_t> shard(int64_t epoch) const;

 private:
  int64_t dataset_size_;
  ShardOptions options_;
  int64_t shard_size_;
};

}  // namespace swinpp::data

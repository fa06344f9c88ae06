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
  /// Where each tar shard's samples start: 0 first, ascending (empty: the
  /// samples are independent files).
  std::vector<int64_t> shard_starts;
  /// Samples in each rank's shuffle buffer; with shard_starts and shuffle, a
  /// positive size selects the WebDataset order (see DistributedSampler).
  int64_t shuffle_buffer = 0;
};

/// torch's DistributedSampler with a portable permutation: each epoch's order
/// is a function of (seed, epoch) only; every rank gets the same number of
/// samples, padded by wrapping around to the start of the order (or cut with
/// drop_last), and rank r takes positions r, r + world_size, ... The batches
/// of a step are thus the same at every world size.
///
/// The WebDataset order (shard_starts, shuffle and shuffle_buffer > 0), for
/// shards on storage where reading a shard from start to end is what is fast:
/// each epoch permutes the shards (seed, epoch); rank r takes shards r,
/// r + world_size, ... of that order and streams their samples in order
/// through a buffer of shuffle_buffer samples, from which each next sample is
/// drawn uniformly (seed, epoch, rank), so a sample comes out at most
/// shuffle_buffer - 1 places before its place in the stream. Every rank yields the
/// same number of samples, total / world_size (rounded up, or down with
/// drop_last), cutting its stream or wrapping around to its start, since its
/// shards hold more or fewer samples than that when shard sizes differ. The
/// order is still a function of (seed, epoch, rank), so a run resumes
/// mid-epoch exactly at the same world size.
class DistributedSampler {
 public:
  /// Throws swinpp::Error when dataset_size < 1, world_size < 1, the rank is
  /// outside [0, world_size), drop_last leaves a rank empty, shard_starts is
  /// not ascending from 0 inside the dataset, shuffle_buffer is negative, or
  /// the WebDataset order has fewer shards than ranks.
  DistributedSampler(int64_t dataset_size, ShardOptions options);

  /// Samples of one rank per epoch.
  int64_t shard_size() const { return shard_size_; }
  /// shard_size() * world_size.
  int64_t total_size() const { return shard_size_ * options_.world_size; }
  /// The options in use.
  const ShardOptions& options() const { return options_; }

  /// The whole dataset's order for `epoch`: a permutation of [0, dataset_size).
  /// In the WebDataset order: the shards' samples in the epoch's shard order,
  /// before ranks take their shards and buffers shuffle them.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  /// Whether the WebDataset order is in use.
  bool streams_shards() const;

  /// This rank's dataset indices for `epoch`, shard_size() of them.
  std::vector<int64_t> shard(int64_t epoch) const;

 private:
  /// The shards (indices into shard_starts) in `epoch`'s order.
  std::vector<int64_t> shard_order(int64_t epoch) const;
  /// This rank's samples in the WebDataset order.
  std::vector<int64_t> streamed_shard(int64_t epoch) const;

  int64_t dataset_size_;
  ShardOptions options_;
  int64_t shard_size_;
};

}  // namespace swinpp::data

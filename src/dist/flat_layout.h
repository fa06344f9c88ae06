// Where each parameter lives in the flat buffer ZeroAdamW shards across ranks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace swinpp::dist::detail {

/// Parameters laid end to end, group after group, in one flat buffer padded to
/// a multiple of the world size; rank r owns elements
/// [r * shard_numel, (r + 1) * shard_numel). The layout without the padding
/// does not depend on the world size, which is what lets a state saved at one
/// world size load at another.
class FlatLayout {
 public:
  /// One parameter's place in the flat buffer.
  struct Segment {
    size_t group;
    int64_t offset;
    int64_t numel;
  };
  /// The part of one parameter inside a range of the flat buffer.
  struct Overlap {
    /// The parameter (index in flat order).
    size_t param;
    /// First element inside the parameter (flattened).
    int64_t param_begin;
    /// First element relative to the start of the range.
    int64_t range_begin;
    int64_t length;
  };
  /// The part of one group inside this rank's shard: one optimizer hyper-
  /// parameter set over a contiguous stretch.
  struct Run {
    size_t group;
    int64_t shard_begin;
    int64_t length;
  };

  /// group_numels[g][j]: the element count of parameter j of group g.
  FlatLayout(const std::vector<std::vector<int64_t>>& group_numels, int world_size, int rank);

  int64_t total_numel() const { return total_numel_; }
  int64_t padded_numel() const { return shard_numel_ * world_size_; }
  int64_t shard_numel() const { return shard_numel_; }
  int64_t shard_offset() const { return shard_numel_ * rank_; }
  /// Every parameter, in flat order.
  const std::vector<Segment>& segments() const { return segments_; }
  /// The parameters overlapping this rank's shard.
  const std::vector<Overlap>& shard_overlaps() const { return shard_overlaps_; }
  /// The groups overlapping this rank's shard, in order.
  const std::vector<Run>& shard_runs() const { return shard_runs_; }

 private:
  int world_size_;
  int rank_;
  int64_t total_numel_ = 0;
  int64_t shard_numel_ = 0;
  std::vector<Segment> segments_;
  std::vector<Overlap> shard_overlaps_;
  std::vector<Run> shard_runs_;
};

}  // namespace swinpp::dist::detail

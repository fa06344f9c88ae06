#include "flat_layout.h"

#include <algorithm>

namespace swinpp::dist::detail {

FlatLayout::FlatLayout(const std::vector<std::vector<int64_t>>& group_numels, int world_size,
                       int rank)
    : world_size_(world_size), rank_(rank) {
  std::vector<int64_t> group_begin;
  for (size_t g = 0; g < group_numels.size(); ++g) {
    group_begin.push_back(total_numel_);
    for (const int64_t numel : group_numels[g]) {
      segments_.push_back({g, total_numel_, numel});
      total_numel_ += numel;
    }
  }
  group_begin.push_back(total_numel_);
  shard_numel_ = (total_numel_ + world_size - 1) / world_size;

  const int64_t shard_begin = shard_offset();
  const int64_t shard_end = shard_begin + shard_numel_;
  for (size_t p = 0; p < segments_.size(); ++p) {
    const Segment& segment = segments_[p];
    const int64_t begin = std::max(segment.offset, shard_begin);
    const int64_t end = std::min(segment.offset + segment.numel, shard_end);
    if (begin < end) {
      shard_overlaps_.push_back({p, begin - segment.offset, begin - shard_begin, end - begin});
    }
  }
  for (size_t g = 0; g + 1 < group_begin.size(); ++g) {
    const int64_t begin = std::max(group_begin[g], shard_begin);
    const int64_t end = std::min(group_begin[g + 1], shard_end);
    if (begin < end) {
      shard_runs_.push_back({g, begin - shard_begin, end - begin});
    }
  }
}

}  // namespace swinpp::dist::detail

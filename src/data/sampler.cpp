#include "swinpp/data/sampler.h"

#include <numeric>
#include <string>

#include "swinpp/data/random.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Tells the permutation's generator apart from the per-sample ones.
constexpr uint64_t kPermutationStream = 0x7065726D75746521ULL;

}  // namespace

DistributedSampler::DistributedSampler(int64_t dataset_size, ShardOptions options)
    : dataset_size_(dataset_size), options_(options), shard_size_(0) {
  if (dataset_size < 1 || options.world_size < 1 || options.rank < 0 ||
      options.rank >= options.world_size) {
    throw Error(
        "distributed sampler: expected dataset size >= 1, world size >= 1 and 0 <= rank < "
        "world size, found size " +
        std::to_string(dataset_size) + ", world size " + std::to_string(options.world_size) +
        ", rank " + std::to_string(options.rank));
  }
  const int64_t world = options.world_size;
  shard_size_ = options.drop_last ? dataset_size / world : (dataset_size + world - 1) / world;
  if (shard_size_ == 0) {
    throw Error("distributed sampler: drop_last leaves every rank empty: " +
                std::to_string(dataset_size) + " samples over " + std::to_string(world) + " ranks");
  }
}

std::vector<int64_t> DistributedSampler::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_size_));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options_.shuffle) {
    Generator gen(mix_seed(options_.seed, static_cast<uint64_t>(epoch), kPermutationStream));
    for (int64_t i = dataset_size_ - 1; i > 0; --i) {
      std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(uniform_int(gen, 0, i))]);
    }
  }
  return order;
}

std::vector<int64_t> DistributedSampler::shard(int64_t epoch) const {
  const std::vector<int64_t> order = epoch_order(epoch);
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(shard_size_));
  for (int64_t position = options_.rank; position < total_size(); position += options_.world_size) {
    indices.push_back(order[static_cast<size_t>(position % dataset_size_)]);
  }
  return indices;
}

}  // namespace swinpp::data

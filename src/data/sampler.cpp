#include "swinpp/data/sampler.h"

#include <numeric>
#include <string>

#include "swinpp/data/random.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Tells the permutation's generator apart from the per-sample ones.
constexpr uint64_t kPermutationStream = 0x7065726D75746521ULL;
/// The WebDataset order's shard permutation and shuffle buffers.
constexpr uint64_t kShardPermutationStream = 0x7368617264732121ULL;
constexpr uint64_t kShuffleBufferStream = 0x6275666665722121ULL;

/// 0, 1, ..., n - 1, permuted by `gen` (Fisher-Yates, portable).
std::vector<int64_t> permutation(int64_t n, Generator& gen) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(uniform_int(gen, 0, i))]);
  return order;
}

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
  if (options.shuffle_buffer < 0)
    throw Error("distributed sampler: expected a shuffle buffer >= 0, found " +
                std::to_string(options.shuffle_buffer));
  const auto& starts = options.shard_starts;
  for (size_t i = 0; i < starts.size(); ++i) {
    const bool ascending = i == 0 ? starts[i] == 0 : starts[i] > starts[i - 1];
    if (!ascending || starts[i] >= dataset_size)
      throw Error("distributed sampler: shard starts must ascend from 0 inside the " +
                  std::to_string(dataset_size) + " samples, found " + std::to_string(starts[i]) +
                  " at position " + std::to_string(i));
  }
  if (streams_shards() && static_cast<int64_t>(starts.size()) < world)
    throw Error("distributed sampler: " + std::to_string(starts.size()) + " shards cannot feed " +
                std::to_string(world) + " ranks that each read whole shards (a shuffle buffer of " +
                std::to_string(options.shuffle_buffer) +
                "); write more, smaller shards or sample them globally with a buffer of 0");
}

bool DistributedSampler::streams_shards() const {
  return options_.shuffle && options_.shuffle_buffer > 0 && !options_.shard_starts.empty();
}

std::vector<int64_t> DistributedSampler::shard_order(int64_t epoch) const {
  Generator gen(mix_seed(options_.seed, static_cast<uint64_t>(epoch), kShardPermutationStream));
  return permutation(static_cast<int64_t>(options_.shard_starts.size()), gen);
}

std::vector<int64_t> DistributedSampler::epoch_order(int64_t epoch) const {
  if (streams_shards()) {
    std::vector<int64_t> order;
    order.reserve(static_cast<size_t>(dataset_size_));
    const auto& starts = options_.shard_starts;
    for (const int64_t s : shard_order(epoch)) {
      const int64_t end = s + 1 < static_cast<int64_t>(starts.size())
                              ? starts[static_cast<size_t>(s + 1)]
                              : dataset_size_;
      for (int64_t i = starts[static_cast<size_t>(s)]; i < end; ++i) order.push_back(i);
    }
    return order;
  }
  if (!options_.shuffle) {
    std::vector<int64_t> order(static_cast<size_t>(dataset_size_));
    std::iota(order.begin(), order.end(), int64_t{0});
    return order;
  }
  Generator gen(mix_seed(options_.seed, static_cast<uint64_t>(epoch), kPermutationStream));
  return permutation(dataset_size_, gen);
}

std::vector<int64_t> DistributedSampler::streamed_shard(int64_t epoch) const {
  const auto& starts = options_.shard_starts;
  const auto shards = shard_order(epoch);
  // This rank's shards, read from start to end, one after the other.
  std::vector<int64_t> stream;
  for (size_t k = static_cast<size_t>(options_.rank); k < shards.size();
       k += static_cast<size_t>(options_.world_size)) {
    const int64_t s = shards[k];
    const int64_t end = s + 1 < static_cast<int64_t>(starts.size())
                            ? starts[static_cast<size_t>(s + 1)]
                            : dataset_size_;
    for (int64_t i = starts[static_cast<size_t>(s)]; i < end; ++i) stream.push_back(i);
  }
  Generator gen(mix_seed(options_.seed, static_cast<uint64_t>(epoch), kShuffleBufferStream,
                         static_cast<uint64_t>(options_.rank)));
  std::vector<int64_t> buffer, out;
  buffer.reserve(static_cast<size_t>(options_.shuffle_buffer));
  out.reserve(stream.size());
  auto draw = [&] {
    const auto j =
        static_cast<size_t>(uniform_int(gen, 0, static_cast<int64_t>(buffer.size()) - 1));
    out.push_back(buffer[j]);
    buffer[j] = buffer.back();
    buffer.pop_back();
  };
  for (const int64_t index : stream) {
    buffer.push_back(index);
    if (static_cast<int64_t>(buffer.size()) == options_.shuffle_buffer) draw();
  }
  while (!buffer.empty()) draw();
  // Every rank yields shard_size_ samples: cut, or wrap around to the start.
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(shard_size_));
  for (int64_t p = 0; p < shard_size_; ++p)
    indices.push_back(out[static_cast<size_t>(p) % out.size()]);
  return indices;
}

std::vector<int64_t> DistributedSampler::shard(int64_t epoch) const {
  if (streams_shards()) return streamed_shard(epoch);
  const std::vector<int64_t> order = epoch_order(epoch);
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(shard_size_));
  for (int64_t position = options_.rank; position < total_size(); position += options_.world_size) {
    indices.push_back(order[static_cast<size_t>(position % dataset_size_)]);
  }
  return indices;
}

}  // namespace swinpp::data

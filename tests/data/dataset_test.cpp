// Dataset listings, the distributed sampler and the synthetic dataset generator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <vector>

#include "swinpp/data/dataset.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/sampler.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

namespace fs = std::filesystem;

/// A fresh folder under the system temporary folder, removed afterwards.
class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("swinpp_dataset_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  /// Creates `relative` (and its folders) with a few bytes in it.
  void touch(const std::string& relative) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << "x";
  }

 private:
  fs::path path_;
};

void expect_error_naming(const std::function<void()>& action, const std::string& name) {
  try {
    action();
    FAIL() << "expected swinpp::Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
}

TEST(DatasetTest, ImageFolderLabelsClassesByNameAndSortsFiles) {
  TempFolder folder;
  folder.touch("b_class/y.jpg");
  folder.touch("b_class/x.PNG");
  folder.touch("b_class/sub/z.jpeg");
  folder.touch("b_class/notes.txt");
  folder.touch("a_class/1.Jpg");
  const Dataset dataset = Dataset::image_folder(folder.path().string());
  EXPECT_EQ(dataset.classes(), (std::vector<std::string>{"a_class", "b_class"}));
  EXPECT_EQ(dataset.num_classes(), 2);
  ASSERT_EQ(dataset.size(), 4);
  const std::vector<std::string> expected = {"a_class/1.Jpg", "b_class/sub/z.jpeg", "b_class/x.PNG",
                                             "b_class/y.jpg"};
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(dataset[i].path, (folder.path() / expected[i]).string());
    EXPECT_EQ(dataset[i].label, i == 0 ? 0 : 1);
  }
}

TEST(DatasetTest, MissingOrEmptyFoldersAreErrorsNamingThem) {
  TempFolder folder;
  const std::string missing = (folder.path() / "nothing_here").string();
  expect_error_naming([&] { Dataset::image_folder(missing); }, "nothing_here");
  expect_error_naming([&] { Dataset::flat_folder(missing); }, "nothing_here");
  expect_error_naming([&] { Dataset::image_folder(folder.path().string()); },
                      folder.path().string());
  folder.touch("empty_class/readme.txt");
  folder.touch("full_class/a.jpg");
  expect_error_naming([&] { Dataset::image_folder(folder.path().string()); }, "empty_class");
  expect_error_naming([&] { Dataset::flat_folder((folder.path() / "empty_class").string()); },
                      "empty_class");
}

TEST(DatasetTest, FlatFolderIsUnlabelled) {
  TempFolder folder;
  folder.touch("b.png");
  folder.touch("a.jpg");
  folder.touch("deeper/c.jpeg");
  const Dataset dataset = Dataset::flat_folder(folder.path().string());
  ASSERT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset[0].path, (folder.path() / "a.jpg").string());
  for (const DatasetEntry& entry : dataset.entries()) EXPECT_EQ(entry.label, -1);
  EXPECT_EQ(dataset.num_classes(), 0);
}

TEST(DatasetTest, FileListReadsPathsAndOptionalLabels) {
  TempFolder folder;
  const fs::path list = folder.path() / "list.txt";
  std::ofstream(list) << "# comment\n"
                      << "images/a.jpg 3\n"
                      << "\n"
                      << "/abs/b.png\n"
                      << "with space/c 2019.jpg 7\n";
  const Dataset dataset = Dataset::file_list(list.string());
  ASSERT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset[0].path, (folder.path() / "images/a.jpg").string());
  EXPECT_EQ(dataset[0].label, 3);
  EXPECT_EQ(dataset[1].path, "/abs/b.png");
  EXPECT_EQ(dataset[1].label, -1);
  EXPECT_EQ(dataset[2].path, (folder.path() / "with space/c 2019.jpg").string());
  EXPECT_EQ(dataset[2].label, 7);
  EXPECT_EQ(dataset.num_classes(), 8);
  EXPECT_EQ(Dataset::file_list(list.string(), "/root")[0].path, "/root/images/a.jpg");
  std::ofstream(folder.path() / "bad.txt") << "a.jpg -2\n";
  expect_error_naming([&] { Dataset::file_list((folder.path() / "bad.txt").string()); }, "bad.txt");
  std::ofstream(folder.path() / "empty.txt") << "# nothing\n";
  expect_error_naming([&] { Dataset::file_list((folder.path() / "empty.txt").string()); },
                      "empty.txt");
}

TEST(SamplerTest, ShardsAreDisjointEqualAndCoverTheDataset) {
  const int64_t size = 10;
  const int world = 3;
  std::multiset<int64_t> seen;
  for (int rank = 0; rank < world; ++rank) {
    ShardOptions options;
    options.rank = rank;
    options.world_size = world;
    options.seed = 5;
    const DistributedSampler sampler(size, options);
    const std::vector<int64_t> shard = sampler.shard(2);
    EXPECT_EQ(static_cast<int64_t>(shard.size()), (size + world - 1) / world);
    seen.insert(shard.begin(), shard.end());
  }
  for (int64_t i = 0; i < size; ++i) EXPECT_GE(seen.count(i), 1u);
  EXPECT_EQ(seen.size(), 12u);  // two padded by wrapping around
  // The padding repeats the head of the epoch order, as torch's sampler does.
  ShardOptions options;
  options.world_size = world;
  options.seed = 5;
  const std::vector<int64_t> order = DistributedSampler(size, options).epoch_order(2);
  options.rank = 1;
  EXPECT_EQ(DistributedSampler(size, options).shard(2).back(), order[10 % size]);
}

TEST(SamplerTest, DropLastCutsTheTail) {
  std::set<int64_t> seen;
  for (int rank = 0; rank < 3; ++rank) {
    ShardOptions options;
    options.rank = rank;
    options.world_size = 3;
    options.drop_last = true;
    const std::vector<int64_t> shard = DistributedSampler(10, options).shard(0);
    EXPECT_EQ(shard.size(), 3u);
    seen.insert(shard.begin(), shard.end());
  }
  EXPECT_EQ(seen.size(), 9u);
}

/// Options for the WebDataset order over shards starting at `starts`.
ShardOptions streaming(std::vector<int64_t> starts, int64_t buffer, int rank, int world) {
  ShardOptions options;
  options.seed = 11;
  options.rank = rank;
  options.world_size = world;
  options.shard_starts = std::move(starts);
  options.shuffle_buffer = buffer;
  return options;
}

/// The shard (index into `starts`) holding sample `i` of `size`.
int64_t shard_of(const std::vector<int64_t>& starts, int64_t i) {
  return std::upper_bound(starts.begin(), starts.end(), i) - starts.begin() - 1;
}

TEST(SamplerTest, StreamingRanksReadDisjointWholeShardsThroughTheirBuffer) {
  const std::vector<int64_t> starts = {0, 5, 10, 15, 20, 25, 30, 35};  // 8 shards of 5
  const int64_t size = 40, buffer = 4;
  const int world = 2;
  std::set<int64_t> seen;
  std::set<int64_t> shards_of_rank[2];
  for (int rank = 0; rank < world; ++rank) {
    const DistributedSampler sampler(size, streaming(starts, buffer, rank, world));
    ASSERT_TRUE(sampler.streams_shards());
    const auto order = sampler.shard(3);
    ASSERT_EQ(order.size(), 20u);
    for (const int64_t i : order) shards_of_rank[rank].insert(shard_of(starts, i));
    seen.insert(order.begin(), order.end());
    // The rank's stream: its shards of the epoch's shard order, read in order;
    // the buffer lets a sample out at most buffer - 1 places early.
    const auto shard_order = sampler.epoch_order(3);  // samples in shard order
    std::vector<int64_t> stream;
    for (size_t k = 0; k < shard_order.size(); k += 5)
      if ((k / 5) % world == static_cast<size_t>(rank))
        stream.insert(stream.end(), shard_order.begin() + k, shard_order.begin() + k + 5);
    for (size_t p = 0; p < order.size(); ++p) {
      const auto read_at = std::find(stream.begin(), stream.end(), order[p]) - stream.begin();
      EXPECT_LE(read_at, static_cast<int64_t>(p) + buffer - 1) << "position " << p;
    }
    EXPECT_NE(order, stream) << "the buffer shuffles";
    // A buffer of one sample reads the shards as they are.
    EXPECT_EQ(DistributedSampler(size, streaming(starts, 1, rank, world)).shard(3), stream);
  }
  EXPECT_EQ(seen.size(), 40u);  // every sample once
  EXPECT_EQ(shards_of_rank[0].size(), 4u);
  for (const int64_t s : shards_of_rank[0]) EXPECT_EQ(shards_of_rank[1].count(s), 0u) << s;
}

TEST(SamplerTest, StreamingOrderIsAFunctionOfSeedEpochAndRank) {
  const std::vector<int64_t> starts = {0, 5, 10, 15, 20, 25, 30, 35};
  const DistributedSampler a(40, streaming(starts, 8, 0, 2));
  EXPECT_EQ(a.shard(2), DistributedSampler(40, streaming(starts, 8, 0, 2)).shard(2));
  EXPECT_NE(a.shard(2), a.shard(3));
  auto other_seed = streaming(starts, 8, 0, 2);
  other_seed.seed = 12;
  EXPECT_NE(a.shard(2), DistributedSampler(40, other_seed).shard(2));
  // Shards are permuted each epoch: the first shard read differs across epochs.
  std::set<int64_t> first_shards;
  for (int64_t epoch = 0; epoch < 8; ++epoch)
    first_shards.insert(shard_of(starts, a.epoch_order(epoch).front()));
  EXPECT_GT(first_shards.size(), 1u);
}

TEST(SamplerTest, StreamingRanksYieldEqualCountsFromUnequalShards) {
  const std::vector<int64_t> starts = {0, 7, 9, 10};  // shards of 7, 2, 1 and 3 samples
  for (const bool drop_last : {false, true}) {
    for (int rank = 0; rank < 2; ++rank) {
      auto options = streaming(starts, 3, rank, 2);
      options.drop_last = drop_last;
      const DistributedSampler sampler(13, options);
      const auto order = sampler.shard(0);
      EXPECT_EQ(static_cast<int64_t>(order.size()), drop_last ? 6 : 7);
      // Cut or wrapped, the rank only ever reads its own shards.
      std::set<int64_t> mine;
      for (const int64_t i : sampler.shard(0)) mine.insert(shard_of(starts, i));
      auto other = options;
      other.rank = 1 - rank;
      for (const int64_t i : DistributedSampler(13, other).shard(0))
        EXPECT_EQ(mine.count(shard_of(starts, i)), 0u);
    }
  }
}

TEST(SamplerTest, StreamingNeedsAShardPerRankAndValidStarts) {
  EXPECT_THROW(DistributedSampler(10, streaming({0, 5}, 4, 0, 3)), Error);  // 2 shards, 3 ranks
  EXPECT_THROW(DistributedSampler(10, streaming({1, 5}, 4, 0, 1)), Error);  // not from 0
  EXPECT_THROW(DistributedSampler(10, streaming({0, 5, 5}, 4, 0, 1)), Error);
  EXPECT_THROW(DistributedSampler(10, streaming({0, 10}, 4, 0, 1)), Error);  // past the end
  EXPECT_THROW(DistributedSampler(10, streaming({0, 5}, -1, 0, 1)), Error);
  // Without shuffling, or with a buffer of 0, shards are sampled as a whole.
  auto in_order = streaming({0, 5}, 4, 0, 3);
  in_order.shuffle = false;
  EXPECT_FALSE(DistributedSampler(10, in_order).streams_shards());
  EXPECT_FALSE(DistributedSampler(10, streaming({0, 5}, 0, 0, 3)).streams_shards());
}

TEST(SamplerTest, OrderIsAFunctionOfSeedAndEpoch) {
  ShardOptions options;
  options.seed = 1;
  const DistributedSampler sampler(50, options);
  std::vector<int64_t> sorted = sampler.epoch_order(0);
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(sampler.epoch_order(3), DistributedSampler(50, options).epoch_order(3));
  EXPECT_NE(sampler.epoch_order(0), sampler.epoch_order(1));
  options.seed = 2;
  EXPECT_NE(sampler.epoch_order(0), DistributedSampler(50, options).epoch_order(0));
  options.shuffle = false;
  EXPECT_EQ(DistributedSampler(50, options).shard(4)[7], 7);
  options.rank = 2;
  options.world_size = 2;
  EXPECT_THROW(DistributedSampler(50, options), Error);
}

TEST(SyntheticDatasetTest, WritesDecodableImageFolderDeterministically) {
  TempFolder first, second;
  SyntheticDatasetOptions options;
  options.classes = 3;
  options.per_class = 2;
  options.val_per_class = 1;
  options.width = 40;
  options.height = 30;
  options.seed = 9;
  EXPECT_EQ(make_synthetic_dataset(first.path().string(), options), 9);
  EXPECT_EQ(make_synthetic_dataset(second.path().string(), options), 9);
  const Dataset train = Dataset::image_folder((first.path() / "train").string());
  const Dataset val = Dataset::image_folder((first.path() / "val").string());
  EXPECT_EQ(train.size(), 6);
  EXPECT_EQ(val.size(), 3);
  EXPECT_EQ(train.classes(), (std::vector<std::string>{"class_000", "class_001", "class_002"}));
  for (const DatasetEntry& entry : train.entries()) {
    const Image image = read_image(entry.path);
    EXPECT_EQ(image.width, 40);
    EXPECT_EQ(image.height, 30);
    const fs::path twin = second.path() / fs::relative(entry.path, first.path());
    EXPECT_EQ(read_file_bytes(entry.path), read_file_bytes(twin.string()));
  }
  EXPECT_NE(read_file_bytes(train[0].path), read_file_bytes(train[1].path));
  EXPECT_THROW(make_synthetic_dataset(first.path().string(), 0, 1), Error);
}

}  // namespace
}  // namespace swinpp::data

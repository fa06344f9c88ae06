// WebDataset tar shards: written from an image folder, read back as the same
// samples, loaded exactly as the folder is; patterns, damage and bad members.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "swinpp/data/file_bytes.h"
#include "swinpp/data/loader.h"
#include "swinpp/data/sampler.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/data/tar_shards.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

namespace fs = std::filesystem;

/// 3 classes x 7 JPEGs and their shards (4 per shard, folder order), once per suite.
class TarShards : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("swinpp_shards_" + std::to_string(::getpid()));
    make_synthetic_dataset((root_ / "images").string(), 3, 7, 24, 1, 0);
    ShardWriterOptions o;
    o.per_shard = 4;
    shards_ = write_tar_shards(Dataset::image_folder(folder()), (root_ / "shards").string(), o);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static std::string folder() { return (root_ / "images" / "train").string(); }

  /// Every sample's image bytes -> label.
  static std::map<std::vector<uint8_t>, int64_t> contents(const Dataset& dataset) {
    std::map<std::vector<uint8_t>, int64_t> out;
    for (const auto& entry : dataset.entries()) out[read_sample_bytes(entry)] = entry.label;
    return out;
  }

  static inline fs::path root_;
  static inline std::vector<std::string> shards_;
};

TEST_F(TarShards, HoldTheFoldersImagesAndLabels) {
  EXPECT_EQ(shards_.size(), 6u);  // 21 samples, 4 per shard
  const auto from_shards = Dataset::open((root_ / "shards").string(), true);
  const auto from_folder = Dataset::image_folder(folder());
  EXPECT_EQ(from_shards.size(), 21);
  EXPECT_EQ(from_shards.num_classes(), 3);
  EXPECT_EQ(contents(from_shards), contents(from_folder));
}

TEST_F(TarShards, ShuffledShardsHoldTheSameSamples) {
  ShardWriterOptions o;
  o.per_shard = 5;
  o.shuffle_seed = 3;
  o.prefix = "mixed";
  const auto out = (root_ / "shuffled").string();
  write_tar_shards(Dataset::image_folder(folder()), out, o);
  const auto shuffled = Dataset::open(out, true);
  EXPECT_EQ(contents(shuffled), contents(Dataset::image_folder(folder())));
  std::vector<int64_t> labels;
  for (const auto& entry : shuffled.entries()) labels.push_back(entry.label);
  EXPECT_FALSE(std::is_sorted(labels.begin(), labels.end())) << "still in the folder's order";
}

TEST_F(TarShards, LoaderGivesTheFoldersBatches) {
  const auto transform = std::make_shared<const TrainTransform>(
      TrainTransformOptions::crop_flip(16, Interpolation::kBicubic));
  LoaderOptions o;
  o.batch_size = 5, o.num_workers = 2, o.seed = 9, o.pin_memory = false;
  Loader from_folder(std::make_shared<const Dataset>(Dataset::image_folder(folder())), transform,
                     o);
  Loader from_shards(std::make_shared<const Dataset>(Dataset::open(shards_[0], true)), transform,
                     o);
  Loader all_shards(
      std::make_shared<const Dataset>(Dataset::open((root_ / "shards").string(), true)), transform,
      o);
  from_folder.start_epoch(1, 1);  // resumed mid-epoch
  all_shards.start_epoch(1, 1);
  int batches = 0;
  while (auto a = from_folder.next()) {
    auto b = all_shards.next();
    ASSERT_TRUE(b);
    EXPECT_TRUE(torch::equal(a->images, b->images));
    EXPECT_TRUE(torch::equal(a->labels, b->labels));
    ++batches;
  }
  EXPECT_EQ(batches, 4);  // 5 batches of up to 5, from the second
  EXPECT_EQ(from_shards.dataset().size(), 4);
}

TEST_F(TarShards, WithAShuffleBufferRanksStreamTheirShardsAndResumeMidEpoch) {
  const auto dataset =
      std::make_shared<const Dataset>(Dataset::open((root_ / "shards").string(), true));
  const auto transform = std::make_shared<const TrainTransform>(
      TrainTransformOptions::crop_flip(16, Interpolation::kBicubic));
  LoaderOptions o;
  o.batch_size = 3, o.num_workers = 2, o.seed = 4, o.pin_memory = false, o.world_size = 2;
  o.shuffle_buffer = 5;
  for (int rank = 0; rank < 2; ++rank) {
    o.rank = rank;
    // What the sampler says this rank reads: whole shards through its buffer.
    ShardOptions shard;
    shard.rank = rank, shard.world_size = 2, shard.seed = 4, shard.shuffle_buffer = 5;
    shard.shard_starts = {0, 4, 8, 12, 16, 20};  // 6 shards of 4, 4, 4, 4, 4 and 1
    std::vector<int64_t> expected;
    for (const int64_t i : DistributedSampler(21, shard).shard(2))
      expected.push_back((*dataset)[i].label);

    Loader loader(dataset, transform, o);
    EXPECT_EQ(loader.samples_per_epoch(), 11);
    std::vector<int64_t> labels;
    std::vector<torch::Tensor> images;
    loader.start_epoch(2, 0);
    while (auto batch = loader.next()) {
      for (int64_t i = 0; i < batch->labels.size(0); ++i)
        labels.push_back(batch->labels[i].item<int64_t>());
      images.push_back(batch->images);
    }
    EXPECT_EQ(labels, expected) << "rank " << rank;
    Loader resumed(dataset, transform, o);
    resumed.start_epoch(2, 2);
    for (size_t b = 2; b < images.size(); ++b) {
      auto batch = resumed.next();
      ASSERT_TRUE(batch);
      EXPECT_TRUE(torch::equal(batch->images, images[b])) << "batch " << b;
    }
    EXPECT_FALSE(resumed.next());
  }
  o.world_size = 7, o.rank = 0;  // 6 shards cannot feed 7 ranks
  EXPECT_THROW(Loader(dataset, transform, o), Error);
}

TEST_F(TarShards, BracePatternsNameShards) {
  const auto dir = (root_ / "shards").string();
  const auto three = expand_shard_spec(dir + "/shard-{000001..000003}.tar");
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[0], dir + "/shard-000001.tar");
  EXPECT_EQ(three[2], dir + "/shard-000003.tar");
  EXPECT_EQ(expand_shard_spec(dir + "/shard-00000{0,5}.tar").size(), 2u);
  EXPECT_EQ(Dataset::open(dir + "/shard-{000000..000005}.tar", true).size(), 21);
  EXPECT_TRUE(names_tar_shards(dir));
  EXPECT_FALSE(names_tar_shards(folder()));
  try {
    expand_shard_spec(dir + "/shard-{000000..000009}.tar");
    FAIL() << "a missing shard was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard-000006.tar' (from"), std::string::npos) << e.what();
  }
  EXPECT_THROW(expand_shard_spec(dir + "/shard-{3..1}.tar"), Error);
  EXPECT_THROW(expand_shard_spec(dir + "/shard-{000000.tar"), Error);
}

TEST_F(TarShards, LabelledDataNeedsClassMembers) {
  const auto out = (root_ / "unlabelled").string();
  write_tar_shards(Dataset::flat_folder(folder()), out, ShardWriterOptions{});
  EXPECT_EQ(Dataset::open(out, false).size(), 21);
  try {
    Dataset::open(out, true);
    FAIL() << "shards without .cls were accepted as labelled";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no .cls member"), std::string::npos) << e.what();
  }
}

TEST_F(TarShards, TruncatedShardKeepsWhatCameBeforeTheDamage) {
  const auto damaged = (root_ / "damaged").string();
  fs::create_directories(damaged);
  auto bytes = read_file_bytes(shards_[0]);
  bytes.resize(bytes.size() / 2 + 100);  // cut inside a member
  write_file_bytes(damaged + "/shard-000000.tar", bytes);
  fs::copy_file(shards_[1], damaged + "/shard-000001.tar");
  const auto dataset = Dataset::open(damaged, true);
  EXPECT_EQ(dataset.damaged_shards(), 1);
  EXPECT_GE(dataset.size(), 4 + 1);
  EXPECT_LT(dataset.size(), 4 + 4);
}

TEST_F(TarShards, CorruptImageMemberIsReplacedAndCounted) {
  const auto images = root_ / "corrupt_images";
  fs::copy(folder(), images, fs::copy_options::recursive);
  const auto victim = Dataset::image_folder(images.string())[2].path;
  write_file_bytes(victim, {0xFF, 0xD8, 0xFF, 0x00, 0x01, 0x02});  // a JPEG that ends at once
  const auto out = (root_ / "corrupt").string();
  write_tar_shards(Dataset::image_folder(images.string()), out, ShardWriterOptions{});
  LoaderOptions o;
  o.batch_size = 7, o.num_workers = 1, o.shuffle = false, o.pin_memory = false;
  Loader loader(std::make_shared<const Dataset>(Dataset::open(out, true)),
                std::make_shared<const TrainTransform>(
                    TrainTransformOptions::crop_flip(16, Interpolation::kBicubic)),
                o);
  loader.start_epoch(0);
  int64_t samples = 0;
  while (auto batch = loader.next()) samples += batch->images.size(0);
  EXPECT_EQ(samples, 21);
  EXPECT_EQ(loader.bad_samples(), 1);
}

}  // namespace
}  // namespace swinpp::data

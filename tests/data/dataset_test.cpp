// Dataset listings, the distributed sampler and the synthetic dataset generator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

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

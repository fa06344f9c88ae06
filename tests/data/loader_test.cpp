// The multi-threaded loader: order, sharding, resumption, bad files, extras.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>

#include "swinpp/data/data_bench.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/loader.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/util/error.h"

namespace swinpp::data {
namespace {

namespace fs = std::filesystem;

/// 3 classes x 7 small JPEGs, written once for the whole suite.
class LoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("swinpp_loader_" + std::to_string(::getpid()));
    make_synthetic_dataset(root_.string(), 3, 7, 24, 1, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static std::shared_ptr<const Dataset> dataset() {
    return std::make_shared<const Dataset>(Dataset::image_folder((root_ / "train").string()));
  }
  static std::shared_ptr<const ImageTransform> transform() {
    return std::make_shared<const TrainTransform>(
        TrainTransformOptions::crop_flip(16, Interpolation::kBicubic));
  }
  static LoaderOptions options(int workers) {
    LoaderOptions o;
    o.batch_size = 4;
    o.num_workers = workers;
    o.seed = 3;
    return o;
  }
  /// Every batch of `epoch` from start_batch on.
  static std::vector<Batch> run_epoch(Loader& loader, int64_t epoch, int64_t start_batch = 0) {
    loader.start_epoch(epoch, start_batch);
    std::vector<Batch> batches;
    while (auto batch = loader.next()) batches.push_back(std::move(*batch));
    return batches;
  }
  static void expect_same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << "batch " << i;
      EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels)) << "batch " << i;
      EXPECT_TRUE(torch::equal(a[i].indices, b[i].indices)) << "batch " << i;
      EXPECT_EQ(a[i].batch_index, b[i].batch_index);
    }
  }
  static std::vector<int64_t> all_indices(const std::vector<Batch>& batches) {
    std::vector<int64_t> indices;
    for (const Batch& batch : batches) {
      for (int64_t i = 0; i < batch.indices.size(0); ++i)
        indices.push_back(batch.indices[i].item<int64_t>());
    }
    return indices;
  }

  static fs::path root_;
};

fs::path LoaderTest::root_;

TEST_F(LoaderTest, BatchesDoNotDependOnThreadCount) {
  Loader inline_loader(dataset(), transform(), options(0));
  Loader one(dataset(), transform(), options(1));
  Loader three(dataset(), transform(), options(3));
  const std::vector<Batch> reference = run_epoch(inline_loader, 0);
  ASSERT_EQ(reference.size(), 6u);  // 21 samples, batch 4, last batch of 1
  EXPECT_EQ(reference.back().images.size(0), 1);
  EXPECT_EQ(reference[0].images.sizes(), torch::IntArrayRef({4, 3, 16, 16}));
  expect_same(reference, run_epoch(one, 0));
  expect_same(reference, run_epoch(three, 0));
}

TEST_F(LoaderTest, EpochVisitsEverySampleOnceWithItsLabel) {
  const auto data = dataset();
  Loader loader(data, transform(), options(2));
  const std::vector<Batch> epoch0 = run_epoch(loader, 0);
  std::vector<int64_t> indices = all_indices(epoch0);
  const std::vector<int64_t> order0 = indices;
  std::sort(indices.begin(), indices.end());
  ASSERT_EQ(indices.size(), 21u);
  for (int64_t i = 0; i < 21; ++i) EXPECT_EQ(indices[i], i);
  for (const Batch& batch : epoch0) {
    for (int64_t i = 0; i < batch.labels.size(0); ++i) {
      EXPECT_EQ(batch.labels[i].item<int64_t>(), (*data)[batch.indices[i].item<int64_t>()].label);
    }
  }
  EXPECT_NE(all_indices(run_epoch(loader, 1)), order0);
  EXPECT_EQ(loader.bad_samples(), 0);
}

TEST_F(LoaderTest, ResumeFromStartBatchGivesTheSameBatches) {
  Loader loader(dataset(), transform(), options(2));
  const std::vector<Batch> full = run_epoch(loader, 4);
  Loader resumed(dataset(), transform(), options(3));
  const std::vector<Batch> tail = run_epoch(resumed, 4, 2);
  expect_same(std::vector<Batch>(full.begin() + 2, full.end()), tail);
  EXPECT_TRUE(run_epoch(resumed, 4, resumed.batches_per_epoch()).empty());
  EXPECT_THROW(resumed.start_epoch(4, resumed.batches_per_epoch() + 1), Error);
}

TEST_F(LoaderTest, RanksGetEqualDisjointShards) {
  std::vector<int64_t> seen;
  for (int rank = 0; rank < 2; ++rank) {
    LoaderOptions o = options(1);
    o.rank = rank;
    o.world_size = 2;
    Loader loader(dataset(), transform(), o);
    EXPECT_EQ(loader.samples_per_epoch(), 11);
    const std::vector<int64_t> indices = all_indices(run_epoch(loader, 0));
    EXPECT_EQ(indices.size(), 11u);
    seen.insert(seen.end(), indices.begin(), indices.end());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()) - seen.begin(), 21);  // one padded repeat
}

TEST_F(LoaderTest, DropLastAndMisuse) {
  LoaderOptions o = options(1);
  o.drop_last = true;
  Loader loader(dataset(), transform(), o);
  EXPECT_EQ(loader.batches_per_epoch(), 5);
  EXPECT_THROW(loader.next(), Error);  // no epoch started
  for (const Batch& batch : run_epoch(loader, 0)) EXPECT_EQ(batch.images.size(0), 4);
  o.batch_size = 0;
  EXPECT_THROW(Loader(dataset(), transform(), o), Error);
}

TEST_F(LoaderTest, ExtraTensorComesFromTheSampleGenerator) {
  const SampleExtraFn mask = [](Generator& gen) {
    torch::Tensor m = torch::empty({2, 3}, torch::kInt64);
    for (int64_t i = 0; i < 6; ++i) m.view({-1})[i] = uniform_int(gen, 0, 1000);
    return m;
  };
  Loader a(dataset(), transform(), options(0), mask);
  Loader b(dataset(), transform(), options(3), mask);
  const std::vector<Batch> first = run_epoch(a, 1);
  const std::vector<Batch> second = run_epoch(b, 1);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].extra.sizes(), torch::IntArrayRef({first[i].images.size(0), 2, 3}));
    EXPECT_TRUE(torch::equal(first[i].extra, second[i].extra));
    // The extra of a sample is a function of (seed, epoch, index) alone.
    Generator gen =
        sample_generator(3, 1, first[i].indices[0].item<int64_t>(), SampleStream::kExtra);
    EXPECT_TRUE(torch::equal(first[i].extra[0], mask(gen)));
  }
}

TEST_F(LoaderTest, CorruptFileIsCountedAndReplacedByTheNextSample) {
  const fs::path bad = root_ / "train" / "class_001" / "00003.jpg";
  const std::vector<uint8_t> good = read_file_bytes(bad.string());
  write_file_bytes(bad.string(),
                   std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 3));
  const auto data = dataset();
  int64_t bad_index = -1;
  for (int64_t i = 0; i < data->size(); ++i) {
    if ((*data)[i].path == bad.string()) bad_index = i;
  }
  ASSERT_GE(bad_index, 0);
  Loader loader(data, transform(), options(2));
  const std::vector<int64_t> indices = all_indices(run_epoch(loader, 0));
  write_file_bytes(bad.string(), good);
  EXPECT_EQ(loader.bad_samples(), 1);
  EXPECT_EQ(indices.size(), 21u);
  EXPECT_EQ(std::count(indices.begin(), indices.end(), bad_index), 0);
  EXPECT_EQ(std::count(indices.begin(), indices.end(), bad_index + 1), 2);
}

TEST_F(LoaderTest, BenchmarkCountsTimedImages) {
  const DataBenchResult result = bench_data((root_ / "train").string(), 1, 16, 4, 0.0, 2);
  EXPECT_EQ(result.batches, 2);
  EXPECT_EQ(result.images, 8);
  EXPECT_GT(result.images_per_second, 0.0);
  EXPECT_NE(result.to_json().find("\"images_per_second\""), std::string::npos);
}

}  // namespace
}  // namespace swinpp::data

#pragma once

#include <torch/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "swinpp/data/dataset.h"
#include "swinpp/data/random.h"
#include "swinpp/data/sampler.h"
#include "swinpp/data/transforms.h"

namespace swinpp::data {

class BatchMemoryPool;

/// One batch, in the order of this rank's shard.
struct Batch {
  torch::Tensor images;   // [B, 3, S, S] float32
  torch::Tensor labels;   // [B] int64 (-1 for unlabelled datasets)
  torch::Tensor indices;  // [B] int64: dataset index of each sample
  torch::Tensor extra;    // [B, ...] stacked per-sample extras; undefined without an extra function
  int64_t epoch = 0;
  int64_t batch_index = 0;  // position in the epoch
};

/// Makes a per-sample tensor (e.g. a SimMIM mask) from the sample's own
/// generator. Called from loader threads: it must be thread-safe.
using SampleExtraFn = std::function<torch::Tensor(Generator& gen)>;

/// Settings of a Loader (DATA.BATCH_SIZE, DATA.NUM_WORKERS, DATA.PIN_MEMORY, SEED).
struct LoaderOptions {
  int batch_size = 128;
  /// Threads building batches; 0 builds each batch in the calling thread.
  int num_workers = 8;
  /// Batches each worker may have ready ahead of the consumer.
  int prefetch_batches = 2;
  uint64_t seed = 0;
  int rank = 0;
  int world_size = 1;
  bool shuffle = true;
  /// Drop this rank's last incomplete batch (training).
  bool drop_last = false;
  /// Page-locked batch memory, used only when CUDA is available.
  bool pin_memory = true;
  /// Consecutive samples tried in place of an unreadable one before giving up.
  int max_replacements = 64;
  /// With shuffle, a dataset of tar shards is read in the WebDataset order
  /// through a buffer of this many samples per rank (see DistributedSampler);
  /// 0 samples it as a whole, like a folder. Other datasets ignore it.
  int64_t shuffle_buffer = 0;
};

/// A multi-threaded loader: workers read, decode and transform whole batches
/// into a bounded reorder buffer, and next() hands them out in order. Every
/// sample is a function of (seed, epoch, dataset index) only, so the batches
/// do not depend on the number of threads or on timing, and a run resumed
/// with start_epoch(epoch, start_batch) continues with the same batches.
/// An unreadable or corrupt image is logged once (warn, with its path),
/// counted, and replaced by the next dataset index that loads. Pageable batch
/// memory is recycled once the consumer frees a batch's tensors.
class Loader {
 public:
  /// Starts the worker threads (idle until start_epoch). Throws swinpp::Error
  /// on a non-positive batch size or a bad shard.
  Loader(std::shared_ptr<const Dataset> dataset, std::shared_ptr<const ImageTransform> transform,
         LoaderOptions options, SampleExtraFn extra = {});
  /// Stops and joins the workers.
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  /// Batches per epoch on this rank.
  int64_t batches_per_epoch() const;
  /// Samples per epoch on this rank (padded shard).
  int64_t samples_per_epoch() const { return sampler_.shard_size(); }

  /// Begins `epoch` at batch `start_batch` (0 <= start_batch <= batches_per_epoch()),
  /// dropping anything prepared for the previous epoch.
  void start_epoch(int64_t epoch, int64_t start_batch = 0);

  /// The next batch of the epoch, or nullopt once it is exhausted. Rethrows an
  /// error a worker met (e.g. no loadable sample within max_replacements).
  /// Throws swinpp::Error when no epoch was started.
  std::optional<Batch> next();

  /// Samples replaced so far because their file could not be read or decoded.
  int64_t bad_samples() const { return bad_samples_.load(); }

  /// The dataset read.
  const Dataset& dataset() const { return *dataset_; }

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  /// A worker thread: builds the next batch the prefetch bound allows.
  void worker_loop();
  /// Batch `batch_index` of `order` (this rank's indices of `epoch`).
  Batch build_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t batch_index);
  /// Loads dataset sample `index` (or its replacement) into `image`; returns the index used.
  int64_t load_sample(int64_t index, int64_t epoch, float* image, torch::Tensor* extra);
  /// Warns once per path.
  void report_bad_sample(const std::string& path, const std::string& reason);

  std::shared_ptr<const Dataset> dataset_;
  std::shared_ptr<const ImageTransform> transform_;
  LoaderOptions options_;
  SampleExtraFn extra_;
  DistributedSampler sampler_;
  bool pinned_;
  std::shared_ptr<BatchMemoryPool> memory_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable batch_ready_;
  bool stopping_ = false;
  bool started_ = false;
  uint64_t generation_ = 0;
  int64_t epoch_ = 0;
  std::shared_ptr<const std::vector<int64_t>> order_;
  int64_t next_to_build_ = 0;
  int64_t next_to_return_ = 0;
  int64_t end_batch_ = 0;
  std::map<int64_t, Slot> ready_;
  std::vector<std::thread> workers_;

  std::atomic<int64_t> bad_samples_{0};
  std::mutex warned_mutex_;
  std::unordered_set<std::string> warned_paths_;
};

}  // namespace swinpp::data

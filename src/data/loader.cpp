#include "swinpp/data/loader.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include "batch_memory_pool.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// Where each tar shard's samples start in `dataset` (empty when its samples
/// are files).
std::vector<int64_t> shard_starts(const Dataset& dataset) {
  std::vector<int64_t> starts;
  const std::string* shard = nullptr;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    const DatasetEntry& entry = dataset[i];
    if (entry.offset < 0) return {};
    if (!shard || entry.path != *shard) starts.push_back(i);
    shard = &entry.path;
  }
  return starts;
}

ShardOptions shard_options(const Dataset* dataset, const LoaderOptions& options) {
  ShardOptions shard;
  shard.rank = options.rank;
  shard.world_size = options.world_size;
  shard.shuffle = options.shuffle;
  shard.seed = options.seed;
  shard.shuffle_buffer = options.shuffle_buffer;
  if (dataset && options.shuffle && options.shuffle_buffer > 0) {
    shard.shard_starts = shard_starts(*dataset);
    if (shard.shard_starts.empty() && options.rank == 0)
      spdlog::warn(
          "a shuffle buffer of {} samples is for tar shards; '{}' holds image files and is "
          "sampled as a whole",
          options.shuffle_buffer, dataset->source());
  }
  return shard;
}

}  // namespace

Loader::Loader(std::shared_ptr<const Dataset> dataset,
               std::shared_ptr<const ImageTransform> transform, LoaderOptions options,
               SampleExtraFn extra)
    : dataset_(std::move(dataset)),
      transform_(std::move(transform)),
      options_(options),
      extra_(std::move(extra)),
      sampler_(dataset_ ? dataset_->size() : 0, shard_options(dataset_.get(), options)),
      pinned_(options.pin_memory && torch::cuda::is_available()),
      memory_(BatchMemoryPool::create(static_cast<size_t>(options.num_workers) + 2)) {
  if (!transform_ || options_.batch_size < 1 || options_.num_workers < 0 ||
      options_.prefetch_batches < 1 || options_.max_replacements < 1) {
    throw Error(
        "loader: expected a transform, batch_size >= 1, num_workers >= 0, "
        "prefetch_batches >= 1 and max_replacements >= 1, found batch_size " +
        std::to_string(options_.batch_size) + ", num_workers " +
        std::to_string(options_.num_workers) + ", prefetch_batches " +
        std::to_string(options_.prefetch_batches) + ", max_replacements " +
        std::to_string(options_.max_replacements));
  }
  if (options_.drop_last && batches_per_epoch() == 0) {
    throw Error("loader: drop_last with batch size " + std::to_string(options_.batch_size) +
                " leaves no batch from " + std::to_string(sampler_.shard_size()) +
                " samples per rank of '" + dataset_->source() + "'");
  }
  workers_.reserve(static_cast<size_t>(options_.num_workers));
  for (int i = 0; i < options_.num_workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

int64_t Loader::batches_per_epoch() const {
  const int64_t samples = sampler_.shard_size();
  const int64_t batch = options_.batch_size;
  return options_.drop_last ? samples / batch : (samples + batch - 1) / batch;
}

void Loader::start_epoch(int64_t epoch, int64_t start_batch) {
  const int64_t batches = batches_per_epoch();
  if (start_batch < 0 || start_batch > batches) {
    throw Error("loader: expected start_batch in [0, " + std::to_string(batches) + "], found " +
                std::to_string(start_batch));
  }
  auto order = std::make_shared<const std::vector<int64_t>>(sampler_.shard(epoch));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    ready_.clear();
    epoch_ = epoch;
    order_ = std::move(order);
    next_to_build_ = next_to_return_ = start_batch;
    end_batch_ = batches;
    started_ = true;
  }
  work_ready_.notify_all();
}

std::optional<Batch> Loader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!started_) throw Error("loader: next() called before start_epoch()");
  if (next_to_return_ >= end_batch_) return std::nullopt;
  if (workers_.empty()) {
    const int64_t batch_index = next_to_return_++;
    const auto order = order_;
    const int64_t epoch = epoch_;
    lock.unlock();
    return build_batch(*order, epoch, batch_index);
  }
  batch_ready_.wait(lock, [this] { return ready_.count(next_to_return_) > 0; });
  auto slot = ready_.extract(next_to_return_);
  ++next_to_return_;
  lock.unlock();
  work_ready_.notify_all();
  if (slot.mapped().error) std::rethrow_exception(slot.mapped().error);
  return std::move(slot.mapped().batch);
}

void Loader::worker_loop() {
  const int64_t capacity = int64_t{options_.num_workers} * options_.prefetch_batches;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    work_ready_.wait(lock, [&] {
      return stopping_ || (started_ && next_to_build_ < end_batch_ &&
                           next_to_build_ < next_to_return_ + capacity);
    });
    if (stopping_) return;
    const int64_t batch_index = next_to_build_++;
    const uint64_t generation = generation_;
    const int64_t epoch = epoch_;
    const auto order = order_;
    lock.unlock();
    Slot slot;
    try {
      slot.batch = build_batch(*order, epoch, batch_index);
    } catch (...) {
      slot.error = std::current_exception();
    }
    lock.lock();
    if (generation == generation_) {
      ready_.emplace(batch_index, std::move(slot));
      batch_ready_.notify_all();
    }
  }
}

Batch Loader::build_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t batch_index) {
  const int64_t begin = batch_index * options_.batch_size;
  const int64_t count =
      std::min<int64_t>(options_.batch_size, static_cast<int64_t>(order.size()) - begin);
  const int64_t size = transform_->output_size();
  const auto memory = torch::TensorOptions().pinned_memory(pinned_);
  Batch batch;
  batch.epoch = epoch;
  batch.batch_index = batch_index;
  // Pageable batches reuse pooled memory; pinned ones use torch's caching allocator.
  batch.images = pinned_ ? torch::empty({count, 3, size, size}, memory.dtype(torch::kFloat32))
                         : memory_->empty({count, 3, size, size}, torch::kFloat32);
  batch.labels = torch::empty({count}, memory.dtype(torch::kInt64));   // [B]
  batch.indices = torch::empty({count}, memory.dtype(torch::kInt64));  // [B]
  float* images = batch.images.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  int64_t* indices = batch.indices.data_ptr<int64_t>();
  std::vector<torch::Tensor> extras(extra_ ? static_cast<size_t>(count) : 0);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t used = load_sample(order[static_cast<size_t>(begin + i)], epoch,
                                     images + i * 3 * size * size, extra_ ? &extras[i] : nullptr);
    indices[i] = used;
    labels[i] = (*dataset_)[used].label;
  }
  if (extra_) {
    batch.extra = torch::stack(extras);  // [B, ...]
    if (pinned_) batch.extra = batch.extra.pin_memory();
  }
  return batch;
}

int64_t Loader::load_sample(int64_t index, int64_t epoch, float* image, torch::Tensor* extra) {
  const int64_t n = dataset_->size();
  for (int attempt = 0; attempt < options_.max_replacements; ++attempt) {
    const int64_t candidate = (index + attempt) % n;
    const DatasetEntry& entry = (*dataset_)[candidate];
    const std::string path = describe(entry);
    try {
      const std::vector<uint8_t> bytes = read_sample_bytes(entry);
      Generator gen = sample_generator(options_.seed, epoch, candidate, SampleStream::kTransform);
      transform_->apply(bytes.data(), bytes.size(), path, gen, image);
    } catch (const Error& error) {
      bad_samples_.fetch_add(1);
      report_bad_sample(path, error.what());
      continue;
    }
    if (extra != nullptr) {
      Generator gen = sample_generator(options_.seed, epoch, candidate, SampleStream::kExtra);
      *extra = extra_(gen);
    }
    return candidate;
  }
  throw Error("loader: no loadable image among " + std::to_string(options_.max_replacements) +
              " consecutive samples from index " + std::to_string(index) + " of '" +
              dataset_->source() + "'");
}

void Loader::report_bad_sample(const std::string& path, const std::string& reason) {
  std::lock_guard<std::mutex> lock(warned_mutex_);
  if (warned_paths_.insert(path).second) {
    spdlog::warn("skipping unreadable image {} (replaced by the next sample): {}", path, reason);
  }
}

}  // namespace swinpp::data

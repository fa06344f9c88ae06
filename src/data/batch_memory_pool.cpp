#include "batch_memory_pool.h"

#include <torch/torch.h>

#include <cstdlib>
#include <new>

namespace swinpp::data {

namespace {

constexpr size_t kAlignment = 64;

size_t aligned_bytes(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

std::shared_ptr<BatchMemoryPool> BatchMemoryPool::create(size_t max_free_blocks) {
  return std::shared_ptr<BatchMemoryPool>(new BatchMemoryPool(max_free_blocks));
}

BatchMemoryPool::~BatchMemoryPool() {
  for (const auto& [bytes, block] : free_blocks_) std::free(block);
}

torch::Tensor BatchMemoryPool::empty(at::IntArrayRef sizes, torch::Dtype dtype) {
  int64_t count = 1;
  for (const int64_t size : sizes) count *= size;
  const size_t bytes = aligned_bytes(static_cast<size_t>(count) * c10::elementSize(dtype));
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = free_blocks_.find(bytes);
    if (it != free_blocks_.end()) {
      block = it->second;
      free_blocks_.erase(it);
    }
  }
  if (block == nullptr) {
    block = std::aligned_alloc(kAlignment, bytes);
    if (block == nullptr) throw std::bad_alloc();
  }
  auto pool = shared_from_this();
  return torch::from_blob(
      block, sizes, [pool, bytes](void* data) { pool->release(data, bytes); },
      torch::TensorOptions().dtype(dtype));
}

void BatchMemoryPool::release(void* block, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_blocks_.size() < max_free_blocks_) {
      free_blocks_.emplace(bytes, block);
      return;
    }
  }
  std::free(block);
}

}  // namespace swinpp::data

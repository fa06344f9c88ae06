// Recycled host memory for batch tensors: a block goes back to the pool when
// the last tensor using it is freed, so steady-state batches cost no page
// faults. Used for pageable batches; pinned ones come from torch's caching
// host allocator, which already recycles.
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

namespace swinpp::data {

/// Host memory blocks reused by size, shared by a loader and its batches.
class BatchMemoryPool : public std::enable_shared_from_this<BatchMemoryPool> {
 public:
  /// Keeps at most `max_free_blocks` unused blocks; more are returned to the system.
  static std::shared_ptr<BatchMemoryPool> create(size_t max_free_blocks);
  ~BatchMemoryPool();
  BatchMemoryPool(const BatchMemoryPool&) = delete;
  BatchMemoryPool& operator=(const BatchMemoryPool&) = delete;

  /// An uninitialised CPU tensor whose storage is a pool block; the block
  /// returns to the pool when the storage is freed (the pool lives as long).
  torch::Tensor empty(at::IntArrayRef sizes, torch::Dtype dtype);

 private:
  explicit BatchMemoryPool(size_t max_free_blocks) : max_free_blocks_(max_free_blocks) {}
  /// Takes a block back (the tensor deleter's call).
  void release(void* block, size_t bytes);

  std::mutex mutex_;
  std::multimap<size_t, void*> free_blocks_;  // by size in bytes
  size_t max_free_blocks_;
};

}  // namespace swinpp::data

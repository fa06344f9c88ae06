#pragma once

#include <ATen/Tensor.h>

#include <memory>
#include <string>

namespace swinpp::dist {

/// A collective launched without waiting. The tensors it works on must stay
/// alive and untouched until wait() returns.
class PendingOp {
 public:
  virtual ~PendingOp() = default;
  /// Blocks until the collective has finished on this rank. Throws
  /// swinpp::Error when it failed (a peer died, the timeout passed); later
  /// calls return at once.
  virtual void wait() = 0;
};

/// The collectives data-parallel training needs, over one group of processes
/// ("ranks"). Every rank must call the same collectives in the same order with
/// tensors of the same size, dtype and device kind; a collective's tensors must
/// be dense and contiguous. Failures (a dead peer, a timeout, a size mismatch)
/// throw swinpp::Error naming the collective, the rank and the backend.
class Communicator {
 public:
  virtual ~Communicator() = default;

  /// This process's index in the group, 0 <= rank() < world_size().
  virtual int rank() const = 0;
  /// The number of processes in the group.
  virtual int world_size() const = 0;
  /// This process's index on its machine (the GPU it drives).
  virtual int local_rank() const = 0;
  /// "single", "gloo" or "nccl".
  virtual std::string backend_name() const = 0;

  /// t <- sum of t over all ranks, in place.
  virtual void all_reduce_sum(at::Tensor& t) = 0;
  /// t <- element-wise maximum of t over all ranks (e.g. a found-inf flag).
  virtual void all_reduce_max(at::Tensor& t) = 0;
  /// Starts all_reduce_sum(t) and returns at once; call wait() before reading t.
  virtual std::shared_ptr<PendingOp> all_reduce_sum_async(at::Tensor& t) = 0;

  /// Starts t on rank `root` <- sum of t over all ranks and returns at once;
  /// call wait() before reading t. The other ranks' t is left unspecified.
  virtual std::shared_ptr<PendingOp> reduce_sum_async(at::Tensor& t, int root) = 0;
  /// in: [world * n] (any shape with that many elements), shard: [n].
  /// shard <- slice rank() of the element-wise sum of `in` over all ranks.
  virtual void reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) = 0;
  /// shard: [n], out: [world * n]. out <- the shards of ranks 0..world-1, in order.
  virtual void all_gather(const at::Tensor& shard, at::Tensor& out) = 0;
  /// t <- t of rank `root`, in place on every rank.
  virtual void broadcast(at::Tensor& t, int root) = 0;
  /// Returns once every rank has called barrier().
  virtual void barrier() = 0;
};

}  // namespace swinpp::dist

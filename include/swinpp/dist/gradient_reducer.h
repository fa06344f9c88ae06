#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "swinpp/dist/communicator.h"

namespace swinpp::dist {

/// How GradientReducer groups gradients into all-reduces.
struct GradientReducerOptions {
  /// Bytes of gradients per bucket (PyTorch DDP's bucket_cap_mb, 25 MiB). A
  /// bucket closes once it holds at least this many bytes (a larger parameter
  /// gets a bucket of its own size).
  int64_t bucket_bytes = 25 * 1024 * 1024;
};

/// Data-parallel gradient averaging overlapped with backward, after PyTorch
/// DDP and flashlight's CoalescingReducer.
///
/// Parameters (in an order identical on every rank) are packed into buckets in
/// reverse order, the order backward produces their gradients. A hook on each
/// parameter copies its gradient into its bucket's flat buffer; when a bucket
/// is complete it is all-reduced asynchronously while backward goes on.
/// Buckets are launched in index order on every rank, so the ranks' collectives
/// always match. One step:
///
///   reducer.set_sync(micro_step == last);   // skip communication on the others
///   loss.backward();
///   reducer.finalize();                     // before unscaling and clipping
///
/// After finalize() every parameter's .grad is the average over ranks of the
/// gradient accumulated locally since the last zero_grad. A parameter that got
/// no gradient on a rank (unused in its forward) counts as zero there; after
/// finalize() its .grad is defined on every rank.
class GradientReducer {
 public:
  /// Registers a gradient hook on every parameter that requires grad. Throws
  /// swinpp::Error for an undefined or sparse parameter.
  GradientReducer(std::vector<torch::Tensor> params, Communicator& comm,
                  const GradientReducerOptions& options = {});
  /// Removes the hooks.
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// false: the next backward passes only accumulate into .grad locally
  /// (gradient-accumulation micro-steps); true (the default): the next
  /// backward reduces, including whatever was accumulated before.
  void set_sync(bool sync);
  bool sync() const { return sync_; }

  /// After a synchronised backward: launches the buckets still waiting (those
  /// with unused parameters), waits for every all-reduce, divides by the world
  /// size and writes the averages into .grad. Does nothing while sync() is
  /// false. Throws swinpp::Error when a collective fails.
  void finalize();

  /// The number of buckets.
  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  /// Bytes of the bucket buffers (as large as every reduced gradient together).
  int64_t buffer_bytes() const;
  /// The indices (into the constructor's params) of bucket `index`'s parameters.
  const std::vector<size_t>& bucket_params(int64_t index) const;

 private:
  struct Bucket;

  void on_gradient(size_t param_index, const torch::Tensor& grad);
  void launch_ready_buckets();
  void launch(Bucket& bucket);
  void reset_round();

  std::vector<torch::Tensor> params_;
  Communicator& comm_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  /// For each parameter: its bucket and its offset in the bucket's buffer.
  std::vector<size_t> bucket_of_;
  std::vector<int64_t> offset_in_bucket_;
  std::vector<bool> ready_;
  /// Hook handles, -1 for parameters without a hook.
  std::vector<int64_t> hook_handles_;
  size_t next_to_launch_ = 0;
  bool sync_ = true;
  std::mutex mutex_;
};

}  // namespace swinpp::dist

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
/// reverse order, the order backward produces their gradients. Each
/// parameter's .grad is a view into its bucket's flat buffer, so autograd
/// accumulates straight into the bucket and no gradient is copied; a hook
/// after each accumulation marks the parameter ready, and a complete bucket is
/// all-reduced in place, asynchronously, while backward goes on. When .grad
/// has been replaced (an optimizer's zero_grad setting it to none), the hook
/// moves it into the bucket and makes .grad the view again.
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
  /// Makes every parameter's .grad a (zero) view into its bucket and registers
  /// a post-accumulate-grad hook on every parameter that requires grad. Throws
  /// swinpp::Error for an undefined or sparse parameter, or one that already
  /// has such a hook.
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

  /// Zeroes the gradients in place, keeping .grad the bucket views. Use it
  /// instead of a torch::optim optimizer's zero_grad, which detaches .grad in
  /// place and so throws on a view.
  void zero_grad();

  /// The number of buckets.
  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  /// Bytes of the bucket buffers, which hold the parameters' gradients.
  int64_t buffer_bytes() const;
  /// The indices (into the constructor's params) of bucket `index`'s parameters.
  const std::vector<size_t>& bucket_params(int64_t index) const;

 private:
  struct Bucket;

  void on_gradient(size_t param_index);
  /// Parameter i's place in its bucket's buffer: [numel].
  torch::Tensor slot(size_t i) const;
  /// Makes .grad of parameter i the view of its slot, moving a replaced
  /// .grad's values in (keep_values) or zeroing it.
  void use_bucket_view(size_t i, bool keep_values);
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
  /// Whether parameter i has the hook (it requires grad).
  std::vector<bool> hooked_;
  size_t next_to_launch_ = 0;
  bool sync_ = true;
  std::mutex mutex_;
};

}  // namespace swinpp::dist

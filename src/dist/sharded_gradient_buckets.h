// ZeRO-2's gradient path: gradients leave the parameters while backward runs
// and only this rank's shard of their average is kept.
#pragma once

#include <ATen/Tensor.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "flat_layout.h"
#include "swinpp/dist/communicator.h"

namespace swinpp::dist::detail {

/// Moves gradients out of the parameters into buckets as autograd produces
/// them and reduces each bucket to the ranks whose shards own it, while
/// backward goes on.
///
/// Buckets hold about `bucket_bytes` of whole parameters in the order their
/// gradients are expected (`gradient_order`, normally the reverse of the
/// model's registration order). Inside a bucket the elements are grouped by the
/// rank whose shard of the flat layout owns them, so that a bucket is reduced
/// by one asynchronous reduce per owning rank. When a parameter's gradient has
/// been accumulated (a post-accumulate-grad hook), it is copied into its
/// bucket's buffer, allocated on the bucket's first gradient, and the
/// parameter's .grad is released. A complete bucket is launched once every
/// bucket before it is (every rank issues the same collectives in the same
/// order); with more than `max_in_flight` buckets launched, the oldest is
/// waited for: its owner adds its pieces into the gradient shard and its
/// buffer is freed. A rank thus holds its gradient shard, the buckets being
/// filled and at most `max_in_flight` buckets being reduced.
///
/// The first backward's gradients do not arrive exactly in the expected order
/// (a block's norms, position-bias MLP and logit scales come out of order), so
/// that a bucket can wait for one late parameter while the next fill: after
/// the first round the buckets are rebuilt in the order its gradients arrived,
/// as PyTorch's DDP does (rank 0's order, broadcast, so that every rank builds
/// the same buckets).
///
/// One round is one backward: finish() ends it, reducing whatever has not
/// been (parameters without a gradient count as zero). The shard accumulates
/// the sum over ranks and rounds; dividing by the world size is the caller's.
class ShardedGradientBuckets {
 public:
  /// `params` in flat order (the layout's), float32, contiguous, on one
  /// device; `gradient_order`: tensors in the order backward is expected to
  /// produce their gradients (tensors not in params are skipped, parameters
  /// it leaves out come last, in reverse flat order). `shard`:
  /// [layout.shard_numel()]. Throws swinpp::Error when a parameter already has
  /// a post-accumulate-grad hook.
  ShardedGradientBuckets(std::vector<at::Tensor> params,
                         const std::vector<at::Tensor>& gradient_order, const FlatLayout& layout,
                         Communicator& comm, at::Tensor shard, int64_t bucket_bytes,
                         int max_in_flight);
  /// Removes the hooks.
  ~ShardedGradientBuckets();
  ShardedGradientBuckets(const ShardedGradientBuckets&) = delete;
  ShardedGradientBuckets& operator=(const ShardedGradientBuckets&) = delete;

  /// Ends the round: launches every bucket not launched yet, waits for all and
  /// adds this rank's pieces into the shard. A no-op when no gradient arrived
  /// since the last call.
  void finish();

  /// The number of buckets.
  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  /// The most bucket buffer bytes held at once since the last reset_peak().
  int64_t peak_buffer_bytes() const;
  /// Starts peak_buffer_bytes() again from the bytes held now.
  void reset_peak();

  /// Called by the hook of parameter `param` (flat order) once its .grad holds
  /// this backward's gradient.
  void on_gradient(size_t param);

 private:
  struct Piece;
  struct Bucket;

  /// Buckets of whole parameters, in `order`, about bucket_bytes_ each.
  void build_buckets(const std::vector<size_t>& order);
  /// After the first backward: buckets again in the order its gradients
  /// arrived (rank 0's, broadcast).
  void rebuild_in_arrival_order();
  void allocate(Bucket& bucket);
  void launch_ready();
  void launch(size_t index);
  void complete_oldest();
  /// Frees the bucket's buffer and forgets its collectives.
  void release(Bucket& bucket);
  void end_round();

  std::vector<at::Tensor> params_;
  Communicator& comm_;
  at::Tensor shard_;
  int max_in_flight_;
  int64_t bucket_bytes_;
  int64_t shard_numel_;
  /// Each parameter's (offset, numel) in the flat layout.
  std::vector<std::pair<int64_t, int64_t>> segments_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  /// For each parameter (flat order): its bucket.
  std::vector<size_t> bucket_of_;
  std::vector<bool> arrived_;
  mutable std::mutex mutex_;
  size_t next_to_launch_ = 0;
  std::deque<size_t> in_flight_;
  bool round_open_ = false;
  /// The first backward's arrival order, until the buckets are rebuilt from it.
  std::vector<size_t> arrival_;
  bool rebuilt_ = false;
  int64_t held_bytes_ = 0;
  int64_t peak_bytes_ = 0;
};

}  // namespace swinpp::dist::detail

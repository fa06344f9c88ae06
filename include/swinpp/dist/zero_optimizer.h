#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "swinpp/dist/communicator.h"
#include "swinpp/dist/zero_state.h"

namespace swinpp::dist {

class GradientReducer;

namespace detail {
class FlatLayout;
class ShardedGradientBuckets;
}  // namespace detail

/// One parameter group: its learning rate is base_lr * lr_scale, and
/// decoupled weight decay `weight_decay` applies to its parameters.
struct ZeroParamGroup {
  std::vector<torch::Tensor> params;
  double lr_scale = 1.0;
  double weight_decay = 0.0;
};

/// ZeroAdamW settings (TRAIN.OPTIMIZER, DIST.ZERO_STAGE).
struct ZeroOptions {
  /// 1: optimizer state sharded, gradients all-reduced; 2: gradients
  /// sharded as well, reduced to their shards while backward runs.
  int stage = 1;
  /// Base learning rate until the first set_lr.
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  /// Stage 2: gradients are reduced in buckets of about this many bytes.
  int64_t bucket_bytes = 25 * 1024 * 1024;
  /// Stage 2: buckets reduced at once before backward waits for the oldest.
  int max_in_flight = 1;
  /// Stage 2: the parameters in the order backward is expected to produce
  /// their gradients (the model's parameters in reverse registration order);
  /// others are skipped, and those it leaves out come last, in reverse group
  /// order. Only memory and overlap depend on it.
  std::vector<torch::Tensor> gradient_order;
};

/// AdamW with its state sharded across ranks (ZeRO stage 1 or 2; Rajbhandari
/// et al. 2020), after llm.c's zero.cuh and marian's SyncGraphGroup.
///
/// The float32 parameters are laid end to end, group after group, in a flat
/// buffer padded to a multiple of the world size; each rank keeps the AdamW
/// moments of its 1/world slice only. One step, after backward on every rank:
///
///   zero.finish_backward();  // waits for the reductions, fills the gradient shard
///   const torch::Tensor norm = zero.clip_grad_norm(max_norm, found_inf);  // agrees found_inf
///   zero.step(found_inf);    // AdamW on the shard (skipped on the device if found_inf
///                            // is 1), then all-gather of the parameters
///   zero.zero_grad();
///
/// Gradients are averaged over ranks while backward runs, in buckets of
/// bucket_bytes. Stage 1 uses a GradientReducer: .grad are views into its
/// buckets, all-reduced in place as they fill (not on gradient accumulation
/// micro-steps), and each rank then copies its slice into its gradient shard.
/// Stage 2 never holds the whole gradient: as autograd accumulates a
/// parameter's gradient, a hook moves it into a bucket and releases .grad;
/// complete buckets are reduced, asynchronously, to the ranks whose slices own
/// their elements, which add them into their gradient shard (see
/// ShardedGradientBuckets). A rank then holds its gradient shard, the bucket
/// being filled and at most max_in_flight being reduced. With gradient
/// accumulation, every stage-2 backward (micro-step) is reduced this way and
/// the shard accumulates, so the memory stays 1/world at the cost of one
/// reduction per micro-step:
///
///   for each micro-batch: zero.prepare_backward(last); loss.backward();
///   zero.finish_backward();  // the averaged shard is complete
///
/// The update is torch::optim::AdamW's, element for element (decoupled decay
/// p *= 1 - lr * wd, bias corrections, eps added to sqrt(v) / sqrt(1 -
/// beta2^t)), with one step count for all parameters. A parameter without a
/// gradient counts as a zero gradient (torch skips it). The updated shards are
/// all-gathered into the parameters a bucket_bytes chunk at a time.
/// Every method but the accessors is a collective: all ranks call it in turn.
class ZeroAdamW {
 public:
  /// Throws swinpp::Error when there are no parameters, a parameter is not a
  /// contiguous float32 tensor, parameters span devices, a parameter appears
  /// twice, or the stage is not 1 or 2.
  ZeroAdamW(std::vector<ZeroParamGroup> groups, Communicator& comm, const ZeroOptions& options);
  ~ZeroAdamW();
  ZeroAdamW(const ZeroAdamW&) = delete;
  ZeroAdamW& operator=(const ZeroAdamW&) = delete;

  /// Sets the base learning rate; group g uses base_lr * lr_scale(g).
  void set_lr(double base_lr) { base_lr_ = base_lr; }
  double lr() const { return base_lr_; }

  /// Before each backward: `last_micro_step` is true for the backward that
  /// completes the step (stage 1 communicates only then); stage 2 ends the
  /// reduction of the previous backward if one is open.
  void prepare_backward(bool last_micro_step = true);
  /// After the last backward of a step: waits for the reductions and fills
  /// this rank's averaged gradient shard (reduce_gradients, once per step).
  void finish_backward();
  /// The gradients to unscale and check: after finish_backward, this rank's
  /// averaged gradient shard [shard_numel]; before it, stage 1's local .grad.
  std::vector<torch::Tensor> gradients() const;
  /// Averages the gradients over ranks into this rank's shard. Called by
  /// finish_backward, and by clip_grad_norm and step when it was not.
  void reduce_gradients();
  /// The L2 norm of the averaged gradients, a float32 tensor [1] on their
  /// device (from the shards and one all-reduce, nothing read); when
  /// max_norm > 0, scales the shard by min(1, max_norm / (norm + 1e-6)), as
  /// torch.nn.utils.clip_grad_norm_. A non-finite norm leaves the gradients
  /// as they are. A defined `found_inf` (float32 [1], 1 when this rank found
  /// a non-finite value) is agreed in place in the same all-reduce: 1 on every
  /// rank when it is 1 on one.
  torch::Tensor clip_grad_norm(double max_norm, const torch::Tensor& found_inf = {});
  /// One AdamW update of this rank's shard, then every rank gathers the whole
  /// updated parameter set and writes it into the parameters (a chunk of
  /// bucket_bytes of every shard at a time). With `found_inf` (float32 [1],
  /// the same on every rank) at 1, the fused kernel leaves the shard and the
  /// step count as they are, decided on the device.
  void step(const torch::Tensor& found_inf = {});
  /// Clears the gradients (stage 1: zeroes the reducer's buckets, which .grad
  /// view; stage 2: the shard).
  void zero_grad();

  /// Steps taken so far (read from the device).
  int64_t step_count() const;
  /// Bytes of optimizer state this rank holds (AdamW's two moments for its shard).
  int64_t state_bytes() const;
  /// Bytes of gradients this rank keeps from backward to step: stage 1, the
  /// reducer's buckets (every .grad) and the gradient shard; stage 2, the
  /// gradient shard.
  int64_t gradient_bytes() const;
  /// Stage 2: the most bucket bytes held at once since reset_bucket_peak()
  /// or zero_grad() (0 for stage 1).
  int64_t bucket_peak_bytes() const;
  void reset_bucket_peak();
  /// Elements in the flat buffer before padding, and in this rank's shard.
  int64_t total_numel() const;
  int64_t shard_numel() const;
  /// Every parameter, group after group: the order of ZeroState's lists.
  const std::vector<torch::Tensor>& parameters() const { return params_; }

  /// Writes this rank's shard to `dir` (see zero_state.h); rank 0 then writes
  /// the completion marker. Returns once every rank's file and the marker exist.
  void save_shard(const std::string& dir) const;
  /// The full state from the shard files of a completed save_shard.
  static ZeroState consolidate(const std::string& dir) { return consolidate_zero_shards(dir); }
  /// The full state, gathered from every rank (on every rank, on the CPU).
  ZeroState gather_state() const;
  /// Takes this rank's slice of a full state saved at any world size. Throws
  /// swinpp::Error when its parameter count or shapes differ from ours.
  void load_state(const ZeroState& state);

 private:
  /// Stage 1: copies this rank's slice of the averaged .grad into grad_shard_.
  void read_gradient_shard();
  void read_parameter_shard();
  /// Stage 2: all-gathers the updated shards a bucket_bytes chunk at a time.
  void gather_parameters_in_chunks();
  /// Writes `values` into the parameters at flat positions [flat_begin, flat_begin + numel).
  void write_flat_range(int64_t flat_begin, const torch::Tensor& values);

  std::vector<ZeroParamGroup> groups_;
  std::vector<torch::Tensor> params_;
  Communicator& comm_;
  ZeroOptions options_;
  std::unique_ptr<detail::FlatLayout> layout_;
  /// [shard]: this rank's slice of the averaged gradients.
  torch::Tensor grad_shard_;
  /// Stage 1: averages the gradients, held in its buckets, during backward.
  std::unique_ptr<GradientReducer> reducer_;
  /// Stage 2: moves the gradients into grad_shard_ during backward.
  std::unique_ptr<detail::ShardedGradientBuckets> buckets_;
  /// [shard]: this rank's parameters while they are updated.
  torch::Tensor param_shard_;
  /// [shard]: AdamW's first and second moments.
  torch::Tensor exp_avg_;
  torch::Tensor exp_avg_sq_;
  double base_lr_;
  torch::Tensor step_;  ///< [] float32 on the shard's device: updates applied so far
  bool reduced_ = false;
};

}  // namespace swinpp::dist

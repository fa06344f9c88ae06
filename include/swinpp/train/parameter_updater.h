#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "swinpp/dist/communicator.h"
#include "swinpp/optim/optimizer.h"
#include "swinpp/optim/param_groups.h"

namespace swinpp::train {

/// Turns the gradients of every rank into one parameter update. Two kinds:
///  - replicated (DIST.ZERO_STAGE 0): every rank holds the whole optimizer
///    state; with more than one rank the gradients are averaged by a bucketed
///    all-reduce that runs from autograd hooks while backward goes on;
///  - sharded (DIST.ZERO_STAGE 1 or 2): ZeroAdamW, each rank holds 1/world of
///    the AdamW state (and with stage 2 of the gradients).
///
/// One optimizer step, on every rank, in this order:
///
///   for each micro-batch: updater.prepare_backward(last); loss.backward();
///   updater.finish_backward();           // gradients averaged (not ZeRO-1)
///   found_inf = ... unscale, check for inf/NaN (a device tensor) ...
///   const torch::Tensor norm = updater.clip_grad_norm(max_norm, found_inf);
///   updater.step(found_inf);             // skipped where found_inf is 1
///   updater.zero_grad();
///
/// Nothing of this reads the device (but SGD's skip decision, see step).
///
/// Everything but the accessors is a collective when there are several ranks.
class ParameterUpdater {
 public:
  /// Bytes this rank holds for the update besides the model and activations.
  struct MemoryUse {
    /// Gradients kept from backward to the update, with the buffers they are
    /// reduced in (replicated: every .grad and the reducer's buckets; ZeRO-1:
    /// every .grad and the flat buffer; ZeRO-2: the gradient shard).
    int64_t gradients = 0;
    /// Optimizer state: AdamW's moments, SGD's momentum buffers.
    int64_t optimizer_state = 0;
    /// ZeRO-2: the most bucket memory held at once during the last backward
    /// (the buckets being filled and reduced); 0 otherwise.
    int64_t bucket_peak = 0;
  };

  virtual ~ParameterUpdater() = default;

  /// The trained parameters in optimizer order (group after group).
  virtual const std::vector<torch::Tensor>& parameters() const = 0;
  /// Before each backward: `last_micro_step` is true for the backward that
  /// completes an optimizer step (the others accumulate locally, without
  /// communication).
  virtual void prepare_backward(bool last_micro_step) = 0;
  /// After the last backward of a step: waits for the gradient averaging that
  /// ran during backward (replicated with several ranks, and ZeRO; ZeRO-1
  /// then copies its slice of the averaged gradients into its shard).
  virtual void finish_backward() = 0;
  /// The gradients this rank holds after finish_backward, to unscale and
  /// check: the parameters' .grad (replicated: averaged; ZeRO-1: local), or
  /// ZeRO-2's averaged shard.
  virtual std::vector<torch::Tensor> gradients() const = 0;
  /// What this rank holds now (see MemoryUse).
  virtual MemoryUse memory_use() const = 0;
  /// The L2 norm of the averaged gradients, a float32 tensor on their device
  /// ([] or [1]); with max_norm > 0 they are scaled down to it as
  /// torch.nn.utils.clip_grad_norm_ does (on the device, unless the norm is
  /// not finite). `found_inf` (float32 [1], this rank's verdict) is agreed
  /// across ranks in place, in the same single all-reduce (sharded: the
  /// squared norms of the shards and the flags; replicated: the flags).
  virtual torch::Tensor clip_grad_norm(double max_norm, torch::Tensor& found_inf) = 0;
  /// One optimizer update, skipped when `found_inf` (float32 [1]) is 1: AdamW
  /// and ZeRO decide in the fused kernel on the device, SGD reads the flag.
  virtual void step(const torch::Tensor& found_inf) = 0;
  /// Clears the gradients.
  virtual void zero_grad() = 0;
  /// Sets the base learning rate; each group uses base_lr * its lr_scale.
  virtual void set_lr(double base_lr) = 0;
  /// The learning rate of each parameter group, in order (under layer decay
  /// the last group is the head's).
  virtual std::vector<double> group_lrs() const = 0;

  /// Writes the optimizer state into checkpoint folder `dir`: replicated,
  /// rank 0 writes optimizer.pt; sharded, every rank writes its shard under
  /// optimizer/ and rank 0 a completion marker. Call it on every rank.
  virtual void save(const std::string& dir) = 0;
  /// Restores the state from checkpoint folder `dir`, whichever of the two
  /// forms it holds and at whatever world size it was written. Throws
  /// swinpp::Error naming the file when it is missing or does not fit.
  virtual void load(const std::string& dir) = 0;
};

/// Turns the ZeRO shards under checkpoint folder `dir`/optimizer into the one
/// optimizer.pt file of an ordinary checkpoint (the same whole AdamW state,
/// loadable at any world size, with or without ZeRO), then removes the
/// shards. Throws swinpp::Error when the folder has no complete shard set.
void consolidate_optimizer_shards(const std::string& dir);

/// The updater DIST.ZERO_STAGE selects (0: replicated, 1 or 2: ZeroAdamW of
/// that stage) over `groups`. Throws swinpp::Error for a ZeRO stage with SGD.
/// `registration_order`: the model's parameters in registration order; ZeRO-2
/// buckets their gradients in reverse, the order backward produces them.
std::unique_ptr<ParameterUpdater> make_parameter_updater(
    std::vector<optim::ParamGroup> groups, const optim::OptimizerOptions& options, int zero_stage,
    std::shared_ptr<dist::Communicator> communicator,
    const std::vector<torch::Tensor>& registration_order = {});

}  // namespace swinpp::train

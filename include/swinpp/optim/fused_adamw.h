#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace swinpp::optim {

/// One parameter group of FusedAdamW: its tensors, learning rate and
/// decoupled weight decay.
struct FusedAdamWGroup {
  std::vector<torch::Tensor> params;
  double lr = 1e-3;
  double weight_decay = 0.0;
};

/// AdamW (Loshchilov & Hutter) through LibTorch's fused multi-tensor kernel
/// (at::_fused_adamw_, on the CPU and on CUDA): one kernel launch per group,
/// device and dtype instead of a handful of operations per parameter. The
/// update is torch.optim.AdamW(fused=True)'s: every parameter with a gradient
/// advances its own step count, one without a gradient is left alone. The
/// kernel reads each group's learning rate from a tensor on the parameters'
/// device (float32 on CUDA, as torch.optim.AdamW(fused=True, capturable=True)
/// with a tensor lr; float64 on the CPU), which set_lr fills without waiting:
/// a captured CUDA graph of step() follows every later set_lr.
class FusedAdamW {
 public:
  /// Moments and step counts start at zero, on each parameter's device.
  FusedAdamW(std::vector<FusedAdamWGroup> groups, double beta1, double beta2, double eps);

  /// One update of every parameter that has a gradient. With `found_inf`
  /// (float32 [1] or [], 1 after non-finite gradients, as LossScaler::unscale
  /// returns it) the kernel itself skips the update and the step counts stay,
  /// decided on the device without reading it (torch.optim.AdamW(fused=True)
  /// under a GradScaler).
  void step(const torch::Tensor& found_inf = {});
  /// Sets group `index`'s learning rate (an asynchronous fill of its device
  /// copies).
  void set_lr(size_t index, double lr);
  double lr(size_t index) const { return groups_.at(index).lr; }
  const std::vector<FusedAdamWGroup>& groups() const { return groups_; }

  /// Every parameter of every group, in group order: the order of the state
  /// accessors below.
  const std::vector<torch::Tensor>& parameters() const { return params_; }
  /// First and second moments of parameter `index` (same shape, device and dtype).
  const torch::Tensor& exp_avg(size_t index) const { return exp_avg_.at(index); }
  const torch::Tensor& exp_avg_sq(size_t index) const { return exp_avg_sq_.at(index); }
  /// How many updates parameter `index` has had.
  int64_t step_count(size_t index) const;
  /// Sets the moments (copied to each parameter's device) and step count of
  /// every parameter; throws swinpp::Error when a count or shape differs.
  void load_state(int64_t step, const std::vector<torch::Tensor>& exp_avg,
                  const std::vector<torch::Tensor>& exp_avg_sq);

  /// Writes moments and step counts ("exp_avg.N", "exp_avg_sq.N", "step.N").
  void save(torch::serialize::OutputArchive& archive) const;
  /// Reads what save() wrote; throws swinpp::Error naming a missing entry or a
  /// parameter whose shape differs.
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<FusedAdamWGroup> groups_;
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  /// One float32 scalar per parameter on its device, as the kernel expects.
  std::vector<torch::Tensor> steps_;
  /// Per group, its learning rate as a scalar [] on each device its
  /// parameters are on (made here, never inside a captured step).
  std::vector<std::vector<torch::Tensor>> device_lrs_;
  double beta1_, beta2_, eps_;
};

}  // namespace swinpp::optim

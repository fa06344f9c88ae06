#pragma once

#include <torch/types.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "swinpp/optim/fused_adamw.h"
#include "swinpp/optim/param_groups.h"

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace swinpp::optim {

/// The update rules TRAIN.OPTIMIZER.NAME can select.
enum class OptimizerKind { kAdamW, kSgd };

/// "adamw" or "sgd" (any case); throws swinpp::Error naming the value otherwise.
OptimizerKind parse_optimizer_kind(const std::string& name);

/// TRAIN.OPTIMIZER settings. Weight decay comes from each ParamGroup.
struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kAdamW;
  /// Learning rate before the first set_lr (scaled by each group's lr_scale).
  double base_lr = 5e-4;
  /// AdamW only.
  double eps = 1e-8;
  std::array<double, 2> betas = {0.9, 0.999};
  /// SGD only; the reference uses Nesterov momentum.
  double momentum = 0.9;
  bool nesterov = true;
};

/// AdamW (FusedAdamW, LibTorch's fused kernel) or LibTorch's SGD over
/// ParamGroups that keeps each group's lr_scale, so that one base learning
/// rate drives every group (layer-wise LR decay).
class Optimizer {
 public:
  /// Throws swinpp::Error when `groups` is empty or holds an empty group.
  Optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& options);
  ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;

  /// Sets group i's learning rate to base_lr * groups()[i].lr_scale, so the
  /// whole schedule (warmup and minimum included) is scaled per group. The
  /// reference's timm schedulers scale only the peak rate per group and share
  /// WARMUP_LR and MIN_LR; the two differ only during warmup and near the end.
  void set_lr(double base_lr);
  /// The learning rate group `index` currently uses.
  double group_lr(size_t index) const;

  /// Clears the gradients of every parameter.
  void zero_grad();
  /// One update of every parameter with a gradient. With `found_inf` (float32
  /// [1], 1 after non-finite gradients) the update is skipped: AdamW decides
  /// on the device, in its kernel; SGD (LibTorch's torch::optim::SGD) reads
  /// the flag on the host.
  void step(const torch::Tensor& found_inf = {});

  /// The groups as built (names, lr scales, weight decays, parameters).
  const std::vector<ParamGroup>& groups() const { return groups_; }
  /// Every parameter of every group, in group order.
  std::vector<torch::Tensor> parameters() const;
  const OptimizerOptions& options() const { return options_; }

  /// Bytes of optimizer state: AdamW's moments, or SGD's momentum buffers.
  int64_t state_bytes() const;
  /// The AdamW state, or nullptr when this is SGD.
  FusedAdamW* adamw() { return adamw_.get(); }

  /// Writes the optimizer state (moments, step counts, group options).
  void save(torch::serialize::OutputArchive& archive) const;
  /// Reads a state written by save() from an optimizer with the same groups;
  /// throws swinpp::Error when the groups do not match.
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<ParamGroup> groups_;
  OptimizerOptions options_;
  std::unique_ptr<FusedAdamW> adamw_;             // kAdamW
  std::unique_ptr<torch::optim::Optimizer> sgd_;  // kSgd
};

}  // namespace swinpp::optim

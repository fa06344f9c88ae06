#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace swinpp::optim {

/// Loss scaling for mixed precision. One optimizer step reads:
///   scaler.scale(loss).backward();
///   const bool finite = scaler.unscale_and_check(gradients);
///   if (finite) { clip_grad_norm(params, clip); optimizer.step(); }
///   scaler.update(!finite);
class LossScaler {
 public:
  virtual ~LossScaler() = default;

  /// The loss multiplied by the current scale.
  virtual torch::Tensor scale(const torch::Tensor& loss) = 0;
  /// Divides every gradient by the current scale, in place; true when all are
  /// finite. Undefined tensors are skipped. Call it once per optimizer step,
  /// after the last backward.
  virtual bool unscale_and_check(const std::vector<torch::Tensor>& gradients) = 0;
  /// Adapts the scale after a step (found_inf: the gradients were not finite).
  virtual void update(bool found_inf) = 0;
  /// The scale the next scale() call applies.
  virtual double current_scale() const = 0;

  /// Writes the scaler state (keys "scale", "growth_tracker" where it has them).
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  /// Reads a state written by save(); throws swinpp::Error on a missing key.
  virtual void load(torch::serialize::InputArchive& archive) = 0;
};

/// fp32 and bf16: scale 1, no state; still reports non-finite gradients so
/// that the step can be skipped.
class NoOpLossScaler : public LossScaler {
 public:
  torch::Tensor scale(const torch::Tensor& loss) override;
  bool unscale_and_check(const std::vector<torch::Tensor>& gradients) override;
  void update(bool found_inf) override;
  double current_scale() const override { return 1.0; }
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;
};

/// Settings of the dynamic fp16 scaler (torch.cuda.amp.GradScaler defaults).
struct DynamicLossScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

/// fp16: the scale is multiplied by backoff_factor after a step with
/// non-finite gradients, and by growth_factor after growth_interval
/// consecutive finite steps; each non-finite step restarts the count. The
/// update is LibTorch's _amp_update_scale_ (torch.amp.GradScaler's), on a
/// float32 scale kept on the CPU, where the skip decision is made.
class DynamicLossScaler : public LossScaler {
 public:
  /// Throws swinpp::Error unless init_scale > 0, growth_factor > 1,
  /// 0 < backoff_factor < 1 and growth_interval >= 1.
  explicit DynamicLossScaler(const DynamicLossScalerOptions& options = {});

  torch::Tensor scale(const torch::Tensor& loss) override;
  bool unscale_and_check(const std::vector<torch::Tensor>& gradients) override;
  void update(bool found_inf) override;
  double current_scale() const override;
  /// Finite steps since the last change of the scale.
  int64_t growth_tracker() const;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  DynamicLossScalerOptions options_;
  torch::Tensor scale_;           // [1] float32, CPU
  torch::Tensor growth_tracker_;  // [1] int32, CPU
};

/// A DynamicLossScaler for fp16 training, a NoOpLossScaler otherwise.
std::unique_ptr<LossScaler> make_loss_scaler(bool fp16);

}  // namespace swinpp::optim

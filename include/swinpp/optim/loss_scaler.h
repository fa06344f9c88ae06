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
///   const torch::Tensor found_inf = scaler.unscale(gradients);  // [1], on the device
///   optimizer.step(found_inf);  // skipped on the device when found_inf is 1
///   scaler.update(found_inf);
/// Nothing in a step reads the device: the skip decision stays a tensor.
class LossScaler {
 public:
  virtual ~LossScaler() = default;

  /// The loss multiplied by the current scale.
  virtual torch::Tensor scale(const torch::Tensor& loss) = 0;
  /// Divides every gradient by the current scale, in place, and returns
  /// found_inf, a float32 tensor [1] on the gradients' device: 1 when some
  /// gradient is not finite, 0 otherwise (0 on the CPU when there are no
  /// gradients). Undefined tensors are skipped. Call it once per optimizer
  /// step, after the last backward.
  virtual torch::Tensor unscale(const std::vector<torch::Tensor>& gradients) = 0;
  /// Adapts the scale after a step (found_inf as unscale returns it: whether
  /// the gradients were not finite), on the scale's device.
  virtual void update(const torch::Tensor& found_inf) = 0;
  /// The scale the next scale() call applies (reads it from its device).
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
  torch::Tensor unscale(const std::vector<torch::Tensor>& gradients) override;
  void update(const torch::Tensor& found_inf) override;
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
/// update is LibTorch's _amp_update_scale_ (torch.amp.GradScaler's). The
/// scale and the count live on the device of the loss (moved there by the
/// first scale() or unscale()), so that a step never waits for the device.
class DynamicLossScaler : public LossScaler {
 public:
  /// Throws swinpp::Error unless init_scale > 0, growth_factor > 1,
  /// 0 < backoff_factor < 1 and growth_interval >= 1.
  explicit DynamicLossScaler(const DynamicLossScalerOptions& options = {});

  torch::Tensor scale(const torch::Tensor& loss) override;
  torch::Tensor unscale(const std::vector<torch::Tensor>& gradients) override;
  void update(const torch::Tensor& found_inf) override;
  double current_scale() const override;
  /// Finite steps since the last change of the scale (read from its device).
  int64_t growth_tracker() const;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  /// Moves the scale and the count to `device` (once, at the first step).
  void move_to(const torch::Device& device);

  DynamicLossScalerOptions options_;
  torch::Tensor scale_;           // [1] float32
  torch::Tensor growth_tracker_;  // [1] int32, on the scale's device
};

/// A DynamicLossScaler for fp16 training, a NoOpLossScaler otherwise.
std::unique_ptr<LossScaler> make_loss_scaler(bool fp16);

}  // namespace swinpp::optim

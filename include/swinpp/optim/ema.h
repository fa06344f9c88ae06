#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace swinpp::optim {

/// An exponential moving average of a module's weights:
/// after each update, ema = decay * ema + (1 - decay) * param for every
/// floating-point parameter; buffers (and any non-floating parameter) are
/// copied as they are. The averages live on the module's devices and dtypes.
///
/// To evaluate with the averaged weights and go back:
///   ema.store(model); ema.copy_to(model); evaluate(model); ema.restore(model);
class ModelEma {
 public:
  /// Starts the average at the module's current weights. Throws
  /// swinpp::Error unless 0 <= decay <= 1.
  explicit ModelEma(const torch::nn::Module& module, double decay = 0.9999);

  /// Folds the module's current weights into the average. Throws
  /// swinpp::Error when the module's tensors differ in name or shape from the
  /// ones the average was built from.
  void update(const torch::nn::Module& module);

  /// Keeps a copy of the module's current weights for restore().
  void store(const torch::nn::Module& module);
  /// Writes the averaged weights into the module.
  void copy_to(torch::nn::Module& module) const;
  /// Writes the weights kept by store() back into the module and drops them;
  /// throws swinpp::Error when nothing was stored.
  void restore(torch::nn::Module& module);

  /// The averaged parameters and buffers by name (tensors shared, not copied).
  std::map<std::string, torch::Tensor> state_dict() const;
  /// Copies a state from state_dict() into the average; throws swinpp::Error
  /// on a missing, unexpected or mis-shaped entry, naming it.
  void load_state_dict(const std::map<std::string, torch::Tensor>& state);

  double decay() const { return decay_; }

 private:
  using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

  double decay_;
  NamedTensors params_;
  NamedTensors buffers_;
  NamedTensors stored_params_;
  NamedTensors stored_buffers_;
};

}  // namespace swinpp::optim

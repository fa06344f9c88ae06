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
/// An update is three multi-tensor (_foreach_) operations over all tensors.
/// update() checks a module's tensors by name and shape the first time it
/// sees it, then keeps them while it is given the same module object.
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
  /// ones the average was built from. The module must not gain or lose
  /// tensors between updates.
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

  /// The module's tensors in update()'s lists: checked against the averages'
  /// names and shapes, and kept while the module is the one last seen.
  void bind(const torch::nn::Module& module);

  double decay_;
  NamedTensors params_;
  NamedTensors buffers_;
  /// update()'s operands: floating averages and the module's matching
  /// parameters; other averages (non-floating parameters, buffers) and what
  /// they copy.
  const torch::nn::Module* bound_ = nullptr;
  std::vector<torch::Tensor> averages_, currents_, copies_, sources_;
  NamedTensors stored_params_;
  NamedTensors stored_buffers_;
};

}  // namespace swinpp::optim

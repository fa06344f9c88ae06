#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "swinpp/data/image.h"
#include "swinpp/data/loader.h"
#include "swinpp/data/random.h"
#include "swinpp/dist/communicator.h"

namespace swinpp::train {

/// What the trainer needs to know about one kind of training (fine-tuning a
/// classifier, SimMIM pre-training): the model, its data and its loss.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  /// "finetune" or "pretrain".
  virtual std::string name() const = 0;
  /// The module whose parameters are trained and checkpointed.
  virtual std::shared_ptr<torch::nn::Module> module() = 0;
  /// The training loader for this rank.
  virtual std::unique_ptr<data::Loader> make_train_loader(int rank, int world_size) = 0;
  /// The tensors one micro-batch's loss is computed from, on the batch's
  /// device: the images and the targets after batch-level randomness such as
  /// mixup (driven by `gen`). Made before the step, outside a captured CUDA
  /// graph.
  virtual std::vector<torch::Tensor> loss_inputs(data::Batch& batch, data::Generator& gen) = 0;
  /// The loss ([]) of one micro-batch from what loss_inputs() made: the
  /// forward pass a CUDA graph captures, so it reads nothing from the host.
  virtual torch::Tensor loss(const std::vector<torch::Tensor>& inputs) = 0;
  /// Called on rank 0 after each optimizer step (`step` = steps done so far).
  virtual void after_step(int64_t step, const std::string& run_dir) {}
  /// The pictures made since the last call (tag, picture), for TensorBoard.
  virtual std::vector<std::pair<std::string, data::Image>> take_pictures() { return {}; }
  /// Called on every rank after each epoch and at the end: evaluation (each
  /// rank its share, combined through `communicator`), pictures (rank 0).
  /// Returns JSON-able metrics, the same on every rank (may be empty).
  virtual std::map<std::string, double> end_of_epoch(int64_t epoch, const std::string& run_dir,
                                                     dist::Communicator& communicator) {
    return {};
  }
};

}  // namespace swinpp::train

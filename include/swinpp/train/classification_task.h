#pragma once

#include <optional>

#include "swinpp/config/config.h"
#include "swinpp/data/mixup.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/train/training_task.h"

namespace swinpp::train {

/// Supervised fine-tuning of a SwinV2 classifier on DATA_PATH/train (an
/// ImageFolder) with the official recipe: RandAugment, colour jitter, random
/// erasing, mixup/cutmix with label smoothing and soft-target cross-entropy.
/// Evaluates on DATA_PATH/val after each epoch (every rank its share).
class ClassificationTask : public TrainingTask {
 public:
  /// Builds the model and, with MODEL.PRETRAINED, loads it (reporting what was
  /// missing or unexpected).
  explicit ClassificationTask(const config::Config& config);

  std::string name() const override { return "finetune"; }
  std::shared_ptr<torch::nn::Module> module() override { return model_.ptr(); }
  std::unique_ptr<data::Loader> make_train_loader(int rank, int world_size) override;
  /// {images [B, 3, S, S], targets}: the class indices [B] (int64), or with
  /// mixup/cutmix the mixed images and soft targets [B, classes].
  std::vector<torch::Tensor> loss_inputs(data::Batch& batch, data::Generator& gen) override;
  /// Soft-target cross-entropy for soft targets; otherwise cross-entropy,
  /// with MODEL.LABEL_SMOOTHING when it is set.
  torch::Tensor loss(const std::vector<torch::Tensor>& inputs) override;
  std::map<std::string, double> end_of_epoch(int64_t epoch, const std::string& run_dir,
                                             dist::Communicator& communicator) override;

  SwinTransformerV2 model() const { return model_; }

 private:
  config::Config config_;
  SwinTransformerV2 model_{nullptr};
  std::optional<data::Mixup> mixup_;
  std::string val_folder_;  ///< DATA_PATH/val, or empty without one
  std::unique_ptr<data::Loader> val_loader_;
};

}  // namespace swinpp::train

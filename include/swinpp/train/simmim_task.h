#pragma once

#include "swinpp/config/config.h"
#include "swinpp/model/simmim.h"
#include "swinpp/train/mask_generator.h"
#include "swinpp/train/training_task.h"

namespace swinpp::train {

/// SimMIM pre-training: RandomResizedCrop(scale 0.67-1) + flip + normalise,
/// random 32x32 masks (DATA.MASK_PATCH_SIZE, DATA.MASK_RATIO) and the masked
/// L1 loss. Reads DATA_PATH/train when it exists, else every image under
/// DATA_PATH; labels are ignored. Writes reconstruction pictures of a few fixed
/// images to RUN_DIR/reconstructions after each epoch (epoch_N.png) and every
/// TRAIN.PREVIEW_STEPS optimizer steps (step_N.png).
class SimMIMTask : public TrainingTask {
 public:
  explicit SimMIMTask(const config::Config& config);

  std::string name() const override { return "pretrain"; }
  std::shared_ptr<torch::nn::Module> module() override { return model_.ptr(); }
  std::unique_ptr<data::Loader> make_train_loader(int rank, int world_size) override;
  /// {images [B, 3, S, S], mask [B, S/P, S/P] int64 (P: the model's patch size)}.
  std::vector<torch::Tensor> loss_inputs(data::Batch& batch, data::Generator& gen) override;
  /// SimMIM's masked L1 reconstruction loss.
  torch::Tensor loss(const std::vector<torch::Tensor>& inputs) override;
  void after_step(int64_t step, const std::string& run_dir) override;
  std::vector<std::pair<std::string, data::Image>> take_pictures() override;
  std::map<std::string, double> end_of_epoch(int64_t epoch, const std::string& run_dir,
                                             dist::Communicator& communicator) override;

  SimMIM model() const { return model_; }

 private:
  void write_preview(const std::string& run_dir, const std::string& name);

  config::Config config_;
  SimMIM model_{nullptr};
  MaskGenerator masks_;
  torch::Tensor preview_images_, preview_masks_;
  std::vector<std::pair<std::string, data::Image>> pictures_;  ///< written, not yet taken
};

/// The folder SimMIM pre-training reads for a configuration (see SimMIMTask).
std::string simmim_data_folder(const config::Config& config);

}  // namespace swinpp::train

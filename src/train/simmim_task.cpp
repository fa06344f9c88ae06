#include "swinpp/train/simmim_task.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>
#include <utility>

#include "swinpp/config/validate.h"
#include "swinpp/data/dataset.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/image_encoder.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/train/data_options.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/train/reconstruction_grid.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

namespace {
constexpr int kPreviewImages = 4;
}

std::string simmim_data_folder(const config::Config& c) {
  const auto train = std::filesystem::path(c.data.data_path) / "train";
  return std::filesystem::is_directory(train) ? train.string() : c.data.data_path;
}

SimMIMTask::SimMIMTask(const config::Config& c)
    : config_(c),
      masks_(c.data.img_size, c.data.mask_patch_size, c.model.swinv2.patch_size,
             c.data.mask_ratio) {
  config::validate_for_simmim(c);
  torch::manual_seed(static_cast<uint64_t>(c.seed));  // identical initial weights on every rank
  model_ = SimMIM(swinv2_options(c), simmim_options(c));
  if (!c.model.pretrained.empty()) {
    const auto report = load_simmim_weights(*model_, c.model.pretrained);
    spdlog::info("pre-training from {}: {} tensors loaded", c.model.pretrained,
                 report.loaded.size());
    if (!report.complete()) spdlog::warn("{}", report.summary());
  }
}

std::unique_ptr<data::Loader> SimMIMTask::make_train_loader(int rank, int world_size) {
  auto dataset = std::make_shared<const data::Dataset>(
      data::Dataset::open(simmim_data_folder(config_), false));
  auto transform = std::make_shared<data::TrainTransform>(
      data::TrainTransformOptions::simmim(static_cast<int>(config_.data.img_size)));
  if (!preview_images_.defined()) {
    // Fixed pictures for the reconstruction previews: the first images, drawn
    // with a generator of their own so that training randomness is untouched.
    std::vector<torch::Tensor> images, masks;
    for (int i = 0; i < std::min<int64_t>(kPreviewImages, dataset->size()); ++i) {
      auto gen = data::sample_generator(static_cast<uint64_t>(config_.seed), -1, i);
      images.push_back((*transform)(data::read_sample_bytes((*dataset)[i]), gen));
      masks.push_back(masks_(gen));
    }
    preview_images_ = torch::stack(images);
    preview_masks_ = torch::stack(masks);
  }
  const auto masks = masks_;
  return std::make_unique<data::Loader>(dataset, transform,
                                        loader_options(config_, rank, world_size, true),
                                        [masks](data::Generator& gen) { return masks(gen); });
}

std::vector<torch::Tensor> SimMIMTask::loss_inputs(data::Batch& batch, data::Generator&) {
  return {batch.images, batch.extra};
}

torch::Tensor SimMIMTask::loss(const std::vector<torch::Tensor>& inputs) {
  if (inputs.size() != 2)
    throw Error("pre-training loss: expected {images, mask}, found " +
                std::to_string(inputs.size()) + " tensors");
  return model_->forward(inputs[0], inputs[1]).loss;
}

void SimMIMTask::write_preview(const std::string& run_dir, const std::string& name) {
  if (!preview_images_.defined()) return;
  const auto path = std::filesystem::path(run_dir) / "reconstructions" / (name + ".png");
  std::filesystem::create_directories(path.parent_path());
  auto grid = reconstruction_grid(*model_, preview_images_, preview_masks_);
  data::write_image(path.string(), grid);
  pictures_.emplace_back("reconstructions", std::move(grid));
  spdlog::debug("reconstructions written to {}", path.string());
}

std::vector<std::pair<std::string, data::Image>> SimMIMTask::take_pictures() {
  return std::exchange(pictures_, {});
}

void SimMIMTask::after_step(int64_t step, const std::string& run_dir) {
  const int64_t every = config_.train.preview_steps;
  if (every > 0 && step % every == 0) write_preview(run_dir, "step_" + std::to_string(step));
}

std::map<std::string, double> SimMIMTask::end_of_epoch(int64_t epoch, const std::string& run_dir,
                                                       dist::Communicator& communicator) {
  if (communicator.rank() != 0) return {};
  write_preview(run_dir, "epoch_" + std::to_string(epoch));
  spdlog::info("reconstructions written to {}/reconstructions/epoch_{}.png", run_dir, epoch);
  return {};
}

}  // namespace swinpp::train

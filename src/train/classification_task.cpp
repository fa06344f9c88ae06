#include "swinpp/train/classification_task.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>

#include "swinpp/data/dataset.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/optim/losses.h"
#include "swinpp/train/data_options.h"
#include "swinpp/train/evaluator.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

ClassificationTask::ClassificationTask(const config::Config& c) : config_(c) {
  torch::manual_seed(static_cast<uint64_t>(c.seed));  // identical initial weights on every rank
  model_ = SwinTransformerV2(swinv2_options(c));
  if (!c.model.pretrained.empty()) {
    const auto report = load_backbone_weights(*model_, c.model.pretrained);
    spdlog::info("fine-tuning from {}: {} tensors loaded", c.model.pretrained,
                 report.loaded.size());
    if (!report.complete()) spdlog::warn("{}", report.summary());
  }
  const auto& a = c.aug;
  if (a.mixup > 0 || a.cutmix > 0 || a.cutmix_minmax.has_value()) {
    data::MixupOptions m;
    m.mixup_alpha = a.mixup;
    m.cutmix_alpha = a.cutmix;
    if (a.cutmix_minmax)
      m.cutmix_minmax = std::make_pair((*a.cutmix_minmax)[0], (*a.cutmix_minmax)[1]);
    m.prob = a.mixup_prob;
    m.switch_prob = a.mixup_switch_prob;
    m.mode = data::parse_mixup_mode(a.mixup_mode);
    m.label_smoothing = c.model.label_smoothing;
    m.num_classes = c.model.num_classes;
    mixup_.emplace(m);
  }
  const auto val = std::filesystem::path(c.data.data_path) / "val";
  if (std::filesystem::is_directory(val)) val_folder_ = val.string();
}

std::unique_ptr<data::Loader> ClassificationTask::make_train_loader(int rank, int world_size) {
  const auto folder = (std::filesystem::path(config_.data.data_path) / "train").string();
  auto dataset = std::make_shared<const data::Dataset>(data::Dataset::open(folder, true));
  if (dataset->num_classes() > config_.model.num_classes)
    throw Error("'" + folder + "' has " + std::to_string(dataset->num_classes()) +
                " classes but MODEL.NUM_CLASSES is " + std::to_string(config_.model.num_classes));
  return std::make_unique<data::Loader>(
      dataset, std::make_shared<data::TrainTransform>(train_transform_options(config_)),
      loader_options(config_, rank, world_size, true));
}

std::vector<torch::Tensor> ClassificationTask::loss_inputs(data::Batch& batch,
                                                           data::Generator& gen) {
  if (mixup_) {
    auto target = mixup_->apply(batch.images, batch.labels, gen);  // [B, classes]
    return {batch.images, target};
  }
  return {batch.images, batch.labels};
}

torch::Tensor ClassificationTask::loss(const std::vector<torch::Tensor>& inputs) {
  if (inputs.size() != 2)
    throw Error("fine-tuning loss: expected {images, targets}, found " +
                std::to_string(inputs.size()) + " tensors");
  const torch::Tensor& images = inputs[0];   // [B, 3, S, S]
  const torch::Tensor& targets = inputs[1];  // [B] or [B, classes]
  const auto logits = model_->forward(images);
  if (targets.is_floating_point()) return optim::soft_target_cross_entropy(logits, targets);
  if (config_.model.label_smoothing > 0)
    return optim::label_smoothing_cross_entropy(logits, targets, config_.model.label_smoothing);
  return optim::cross_entropy(logits, targets);
}

std::map<std::string, double> ClassificationTask::end_of_epoch(int64_t, const std::string&,
                                                               dist::Communicator& communicator) {
  if (val_folder_.empty()) return {};
  if (!val_loader_)
    val_loader_ =
        make_eval_loader(config_, val_folder_, communicator.rank(), communicator.world_size());
  const auto r = evaluate(*model_, *val_loader_, &communicator);
  if (communicator.rank() == 0)
    spdlog::info("validation: loss {:.4f}, top-1 {:.2f}%, top-5 {:.2f}% ({} images)", r.loss,
                 r.top1, r.top5, r.samples);
  return {{"val_loss", r.loss}, {"val_top1", r.top1}, {"val_top5", r.top5}};
}

}  // namespace swinpp::train

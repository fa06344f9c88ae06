#include "swinpp/train/evaluator.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/data/dataset.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/train/data_options.h"

namespace swinpp::train {

std::unique_ptr<data::Loader> make_eval_loader(const config::Config& c, const std::string& folder) {
  auto dataset = std::make_shared<const data::Dataset>(data::Dataset::image_folder(folder));
  return std::make_unique<data::Loader>(
      dataset, std::make_shared<data::EvalTransform>(eval_transform_options(c)),
      loader_options(c, /*rank=*/0, /*world_size=*/1, /*training=*/false));
}

EvalResult evaluate(SwinTransformerV2Impl& model, data::Loader& loader) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  EvalResult r;
  double loss_sum = 0.0, top1 = 0.0, top5 = 0.0;
  const auto device = model.parameters().front().device();
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    const auto logits = model.forward(batch->images.to(device));  // [B, classes]
    const auto labels = batch->labels.to(device);
    loss_sum += torch::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const auto pred = std::get<1>(logits.topk(k, 1));  // [B, k]
    const auto hit = pred.eq(labels.unsqueeze(1));     // [B, k]
    top1 += hit.select(1, 0).sum().item<double>();
    top5 += hit.any(1).sum().item<double>();
    r.samples += labels.size(0);
  }
  if (r.samples > 0) {
    r.loss = loss_sum / r.samples;
    r.top1 = 100.0 * top1 / r.samples;
    r.top5 = 100.0 * top5 / r.samples;
  }
  model.train(was_training);
  return r;
}

}  // namespace swinpp::train

#include "swinpp/train/evaluator.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/data/dataset.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/train/batch_upload.h"
#include "swinpp/train/data_options.h"

namespace swinpp::train {

std::unique_ptr<data::Loader> make_eval_loader(const config::Config& c, const std::string& folder,
                                               int rank, int world_size) {
  auto dataset = std::make_shared<const data::Dataset>(data::Dataset::open(folder, true));
  return std::make_unique<data::Loader>(
      dataset, std::make_shared<data::EvalTransform>(eval_transform_options(c)),
      loader_options(c, rank, world_size, /*training=*/false));
}

EvalResult evaluate(SwinTransformerV2Impl& model, data::Loader& loader,
                    dist::Communicator* communicator) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const int64_t rank = communicator ? communicator->rank() : 0;
  const int64_t world = communicator ? communicator->world_size() : 1;
  const int64_t total = loader.dataset().size();
  const auto device = model.parameters().front().device();
  // [loss sum, top-1 hits, top-5 hits, images] over this rank's share.
  torch::Tensor sums = torch::zeros({4}, torch::TensorOptions(torch::kDouble).device(device));
  int64_t seen = 0;
  loader.start_epoch(0);
  BatchUpload upload(device);  // on CUDA, overlaps the batch before
  while (auto batch = loader.next()) {
    const auto on_device = upload({batch->images, batch->labels});
    const auto& labels = on_device[1];                // [B]
    const auto logits = model.forward(on_device[0]);  // [B, classes]
    const int64_t B = labels.size(0);
    // The k-th image of a shard sits at position rank + k * world of the
    // epoch's order; positions past the set repeat earlier images.
    const auto position =
        rank + (seen + torch::arange(B, torch::TensorOptions(torch::kLong).device(device))) * world;
    const auto counted = position.lt(total).to(torch::kDouble);  // [B]
    seen += B;
    const auto loss = torch::cross_entropy_loss(logits, labels, {}, at::Reduction::None);  // [B]
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    const auto pred = std::get<1>(logits.topk(k, 1));  // [B, k]
    const auto hit = pred.eq(labels.unsqueeze(1));     // [B, k]
    sums += torch::stack({(loss.to(torch::kDouble) * counted).sum(),
                          (hit.select(1, 0).to(torch::kDouble) * counted).sum(),
                          (hit.any(1).to(torch::kDouble) * counted).sum(), counted.sum()});
  }
  if (communicator && world > 1) communicator->all_reduce_sum(sums);
  const auto s = sums.cpu();
  const auto v = s.accessor<double, 1>();
  EvalResult r;
  r.samples = static_cast<int64_t>(v[3]);
  if (r.samples > 0) {
    r.loss = v[0] / v[3];
    r.top1 = 100.0 * v[1] / v[3];
    r.top5 = 100.0 * v[2] / v[3];
  }
  model.train(was_training);
  return r;
}

}  // namespace swinpp::train

#include "bench_training.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/dist/parameter_broadcast.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/train/autocast_guard.h"
#include "swinpp/train/model_factory.h"

namespace swinpp::commands {

BenchTraining::BenchTraining(const config::Config& cfg, std::shared_ptr<dist::Communicator> comm,
                             int64_t batch, const c10::Device& device, bool cuda_graph)
    : cfg_(cfg), comm_(std::move(comm)), amp_dtype_(train::parse_amp_dtype(cfg.train.amp_dtype)) {
  const auto o = train::swinv2_options(cfg);
  torch::manual_seed(0);
  model_ = SwinTransformerV2(o);
  model_->to(device);
  if (comm_->world_size() > 1) dist::broadcast_module(*model_, *comm_);
  optim::ParamGroup all;
  all.name = "all";
  all.params = model_->parameters();
  optim::OptimizerOptions adamw;
  adamw.base_lr = 1e-4;
  updater_ = train::make_parameter_updater({all}, adamw, static_cast<int>(cfg.dist.zero_stage),
                                           comm_, model_->parameters());
  scaler_ = optim::make_loss_scaler(cfg.amp_enable && amp_dtype_ == c10::ScalarType::Half);
  step_ = std::make_unique<train::TrainingStep>(*updater_, *scaler_, 1, cfg.train.clip_grad,
                                                cfg.train.max_skipped_steps, device);
  x_ = torch::randn({batch, o.in_chans, o.img_size, o.img_size}).to(device);  // [B, 3, S, S]
  y_ = torch::randint(std::max<int64_t>(o.num_classes, 1), {batch}, torch::kInt64)
           .to(device);  // [B]
  if (cuda_graph)
    graph_ = std::make_unique<train::CudaGraphStep>(
        *step_, [this](const std::vector<torch::Tensor>& in) { return loss(in[0], in[1]); },
        device);
}

BenchTraining::~BenchTraining() = default;

torch::Tensor BenchTraining::loss(const torch::Tensor& images, const torch::Tensor& labels) {
  train::AutocastGuard autocast(cfg_.amp_enable, images.device().type(), amp_dtype_);
  return torch::cross_entropy_loss(model_->forward(images), labels);
}

train::StepOutcome BenchTraining::step() {
  model_->train();
  if (graph_) return graph_->run({x_, y_}, x_.size(0));
  step_->backward(loss(x_, y_), x_.size(0), /*last_micro_step=*/true);
  const train::StepOutcome outcome = step_->update();
  step_->clear();
  return outcome;
}

void BenchTraining::inference() {
  model_->eval();
  torch::InferenceMode no_autograd;
  train::AutocastGuard autocast(cfg_.amp_enable, x_.device().type(), amp_dtype_);
  model_->forward(x_);
}

}  // namespace swinpp::commands

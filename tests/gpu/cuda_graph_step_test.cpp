// A training step captured as a CUDA graph trains as the eager step does:
// same parameters and statistics after every step, with the learning rate
// changing between replays, a batch of another size run eagerly, and the
// default generator's reseeding honoured by drop path inside the graph; the
// trainer with TRAIN.CUDA_GRAPH ends where the eager trainer does. Skips when
// no CUDA device is present.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/optim/param_groups.h"
#include "swinpp/train/autocast_guard.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/cuda_graph_step.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/train/trainer.h"
#include "swinpp/train/training_step.h"
#include "swinpp/util/error.h"

namespace swinpp {
namespace {

/// AdamW whose eps keeps the update of a near-zero gradient small: CUDA's
/// attention backward and index_add sum in no fixed order, and with the
/// default eps a gradient of 1e-9 whose sign that order flips moves its
/// weight by about lr either way, in eager and replayed steps alike.
optim::OptimizerOptions adamw() {
  optim::OptimizerOptions o;
  o.eps = 1e-3;
  return o;
}

/// A tiny SwinV2 classifier on CUDA with the trainer's replicated updater,
/// loss scaler and step.
struct Training {
  Training(bool fp16, double drop_path) {
    SwinV2Options o;
    o.img_size = 32, o.window_size = 4, o.embed_dim = 16, o.num_classes = 10;
    o.depths = {1, 1, 2, 1}, o.num_heads = {1, 2, 4, 8};
    o.drop_path_rate = drop_path;
    torch::manual_seed(0);
    model = SwinTransformerV2(o);
    model->to(torch::kCUDA);
    model->train();
    dtype = fp16 ? torch::kHalf : torch::kBFloat16;
    optim::ParamGroup all;
    all.name = "all";
    all.params = model->parameters();
    updater = train::make_parameter_updater({all}, adamw(), 0, comm, model->parameters());
    scaler = optim::make_loss_scaler(fp16);
    step = std::make_unique<train::TrainingStep>(*updater, *scaler, 1, /*clip_grad=*/1.0, 10,
                                                 torch::kCUDA);
  }

  torch::Tensor loss(const std::vector<torch::Tensor>& inputs) {
    train::AutocastGuard autocast(true, c10::DeviceType::CUDA, dtype);
    return torch::cross_entropy_loss(model->forward(inputs[0]), inputs[1]);
  }

  void eager_step(const std::vector<torch::Tensor>& inputs) {
    step->backward(loss(inputs), inputs[0].size(0), true);
    step->update();
    step->clear();
  }

  std::shared_ptr<dist::SingleProcessCommunicator> comm =
      std::make_shared<dist::SingleProcessCommunicator>();
  SwinTransformerV2 model{nullptr};
  c10::ScalarType dtype;
  std::unique_ptr<train::ParameterUpdater> updater;
  std::unique_ptr<optim::LossScaler> scaler;
  std::unique_ptr<train::TrainingStep> step;
};

std::vector<torch::Tensor> batch(int64_t images, int64_t seed) {
  torch::manual_seed(seed);
  const auto cuda = torch::TensorOptions(torch::kCUDA);
  return {torch::randn({images, 3, 32, 32}, cuda),                  // [B, 3, 32, 32]
          torch::randint(10, {images}, cuda.dtype(torch::kLong))};  // [B]
}

class CudaGraphStepWith : public ::testing::TestWithParam<bool> {};

TEST_P(CudaGraphStepWith, ReplaysTrainLikeEagerSteps) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const bool fp16 = GetParam();
  Training eager(fp16, 0.0), graphed(fp16, 0.0);
  train::CudaGraphStep graph(
      *graphed.step, [&](const std::vector<torch::Tensor>& inputs) { return graphed.loss(inputs); },
      torch::kCUDA);
  // Steps 1-2 warm up, 3 captures, 5 has a batch of another size.
  for (int64_t s = 1; s <= 7; ++s) {
    const auto inputs = batch(s == 5 ? 2 : 4, s);
    const double lr = 1e-3 * static_cast<double>(s);
    eager.updater->set_lr(lr);
    graphed.updater->set_lr(lr);
    eager.eager_step(inputs);
    graph.run(inputs, inputs[0].size(0));
    const auto a = eager.model->named_parameters();
    const auto b = graphed.model->named_parameters();
    for (const auto& item : a) {
      const torch::Tensor& other = b[item.key()];
      EXPECT_TRUE(torch::allclose(item.value(), other, 1e-4, 1e-5))
          << "step " << s << ", " << item.key() << ": largest difference "
          << (item.value() - other).abs().max().item<double>();
    }
  }
  EXPECT_TRUE(graph.captured());
  EXPECT_EQ(graph.replayed_steps(), 4);
  EXPECT_EQ(graph.eager_steps(), 3);
  const auto r_eager = eager.step->statistics().take(*eager.comm);
  const auto r_graph = graphed.step->statistics().take(*graphed.comm);
  EXPECT_EQ(r_graph.micro_batches, 7);
  EXPECT_EQ(r_graph.images, r_eager.images);
  EXPECT_NEAR(r_graph.mean_loss, r_eager.mean_loss, 1e-4);
  EXPECT_NEAR(r_graph.grad_norm, r_eager.grad_norm, 1e-3 * r_eager.grad_norm);
  EXPECT_EQ(r_graph.last_finite_step, r_eager.last_finite_step);
  EXPECT_EQ(r_graph.skipped, r_eager.skipped);
  if (fp16) {
    EXPECT_EQ(graphed.scaler->current_scale(), eager.scaler->current_scale());
  }
}

INSTANTIATE_TEST_SUITE_P(Amp, CudaGraphStepWith, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Fp16Scaler" : "Bf16");
                         });

TEST(CudaGraphStep, DropPathDrawsFromTheGeneratorAsSeededBeforeEachReplay) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Training graphed(false, 0.5);
  graphed.updater->set_lr(0.0);  // the weights stay: only drop path changes the loss
  train::CudaGraphStep graph(
      *graphed.step, [&](const std::vector<torch::Tensor>& inputs) { return graphed.loss(inputs); },
      torch::kCUDA);
  const auto inputs = batch(4, 1);
  const auto loss_with_seed = [&](uint64_t seed) {
    torch::manual_seed(seed);
    graph.run(inputs, 4);
    return graphed.step->statistics().take(*graphed.comm).mean_loss;
  };
  for (int i = 0; i < 3; ++i) loss_with_seed(7);  // warm-up and capture
  ASSERT_TRUE(graph.captured());
  const double first = loss_with_seed(11);
  const double other = loss_with_seed(12);
  const double again = loss_with_seed(11);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  EXPECT_EQ(graph.replayed_steps(), 4);
}

TEST(CudaGraphStep, AStepThatReadsTheDeviceRunsEagerly) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Training eager(false, 0.0), graphed(false, 0.0);
  // The loss reads a value back (as a step must not): CUDA refuses the capture.
  const auto reading_loss = [](Training& t, const std::vector<torch::Tensor>& inputs) {
    torch::Tensor loss = t.loss(inputs);
    return loss.item<float>() > 1e30f ? loss * 0.0 : loss;
  };
  train::CudaGraphStep graph(
      *graphed.step,
      [&](const std::vector<torch::Tensor>& inputs) { return reading_loss(graphed, inputs); },
      torch::kCUDA);
  for (int64_t s = 1; s <= 5; ++s) {
    const auto inputs = batch(4, s);
    eager.step->backward(reading_loss(eager, inputs), 4, true);
    eager.step->update();
    eager.step->clear();
    graph.run(inputs, 4);
  }
  EXPECT_FALSE(graph.captured());
  EXPECT_EQ(graph.eager_steps(), 5);
  const auto a = eager.model->named_parameters();
  const auto b = graphed.model->named_parameters();
  for (const auto& item : a)
    EXPECT_TRUE(torch::allclose(item.value(), b[item.key()], 1e-4, 1e-5)) << item.key();
}

TEST(CudaGraphStep, RefusesInputsOffTheDevice) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  Training graphed(false, 0.0);
  train::CudaGraphStep graph(
      *graphed.step, [&](const std::vector<torch::Tensor>& inputs) { return graphed.loss(inputs); },
      torch::kCUDA);
  const auto inputs = batch(2, 1);
  EXPECT_THROW(graph.run({inputs[0].cpu(), inputs[1]}, 2), Error);
}

TEST(CudaGraphTraining, EndsWhereTheEagerTrainerEnds) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  namespace fs = std::filesystem;
  const fs::path tmp =
      fs::temp_directory_path() / ("swinpp_graph_trainer_" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  data::SyntheticDatasetOptions d;
  d.classes = 4, d.per_class = 8, d.val_per_class = 2, d.width = 40, d.height = 40;
  data::make_synthetic_dataset((tmp / "data").string(), d);
  const auto weights_after = [&](bool cuda_graph) {
    config::Config c;
    c.data.data_path = (tmp / "data").string();
    c.data.img_size = 32, c.data.batch_size = 4, c.data.num_workers = 2;
    c.model.name = "tiny", c.model.num_classes = 4, c.model.drop_path_rate = 0.0;
    c.model.swinv2.embed_dim = 16, c.model.swinv2.window_size = 4;
    c.model.swinv2.depths = {1, 1, 2, 1}, c.model.swinv2.num_heads = {1, 2, 4, 8};
    c.train.epochs = 1, c.train.warmup_epochs = 0, c.train.base_lr = 1e-3;
    c.train.scale_lr = false, c.train.clip_grad = 1.0;
    c.train.optimizer.eps = 1e-3;  // as adamw() above
    c.amp_enable = true;           // bf16, with the official mixup and cutmix
    c.train.cuda_graph = cuda_graph;
    c.output = (tmp / (cuda_graph ? "graph" : "eager")).string();
    train::TrainerOptions o;
    o.device = torch::Device(torch::kCUDA);
    train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c), o);
    trainer.fit();
    const auto dir = train::latest_checkpoint(trainer.run_dir() + "/checkpoints");
    EXPECT_TRUE(dir.has_value());
    return dir ? io::load_safetensors(*dir + "/model.safetensors") : io::TensorMap{};
  };
  const io::TensorMap eager = weights_after(false);
  const io::TensorMap graphed = weights_after(true);  // 8 steps: 2 eager, 6 replayed
  ASSERT_EQ(eager.size(), graphed.size());
  for (const auto& [name, value] : eager)
    EXPECT_TRUE(torch::allclose(value, graphed.at(name), 1e-4, 1e-5))
        << name << ": largest difference " << (value - graphed.at(name)).abs().max().item<double>();
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace swinpp

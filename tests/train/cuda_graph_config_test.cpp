// TRAIN.CUDA_GRAPH refuses, naming the setting, every configuration whose
// step it cannot capture; without a CUDA device the trainer says so. (The
// captured step itself is tested against eager steps in test_gpu.)
#include "swinpp/train/cuda_graph_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/optim/param_groups.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

/// The message check_cuda_graph_config throws for `config` on `device` with
/// `world` ranks, or "" when it accepts them.
std::string refusal(const config::Config& config, const torch::Device& device, int world = 1) {
  try {
    train::check_cuda_graph_config(config, device, world);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CudaGraphConfig, NamesEverySettingItCannotCapture) {
  config::Config base;
  base.train.cuda_graph = true;
  const torch::Device cuda(torch::kCUDA, 0);
  ASSERT_TRUE(train::cuda_graphs_supported()) << "the project builds with CUDA";
  EXPECT_EQ(refusal(base, cuda), "");

  const std::vector<std::pair<std::function<void(config::Config&)>, std::string>> cases = {
      {[](config::Config& c) { c.dist.zero_stage = 1; }, "DIST.ZERO_STAGE is 1"},
      {[](config::Config& c) { c.train.optimizer.name = "sgd"; }, "TRAIN.OPTIMIZER.NAME sgd"},
      {[](config::Config& c) { c.train.accumulation_steps = 2; }, "TRAIN.ACCUMULATION_STEPS is 2"},
      {[](config::Config& c) { c.train.stop_at_non_finite = true; }, "TRAIN.STOP_AT_NON_FINITE"},
      {[](config::Config& c) { c.train.use_checkpoint = true; }, "TRAIN.USE_CHECKPOINT"},
      {[](config::Config& c) {
         c.train.checkpoint_stages = {false, true, false, false};
       },
       "TRAIN.CHECKPOINT_STAGES"},
  };
  for (const auto& [change, expected] : cases) {
    config::Config c = base;
    change(c);
    const std::string message = refusal(c, cuda);
    EXPECT_NE(message.find("TRAIN.CUDA_GRAPH"), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
  EXPECT_NE(refusal(base, cuda, 4).find("4 ranks"), std::string::npos);
  EXPECT_NE(refusal(base, torch::kCPU).find("the device is cpu"), std::string::npos);
}

TEST(CudaGraphConfig, TheTrainerOnTheCpuRefusesIt) {
  TempDir tmp("swinpp_cuda_graph_cpu");
  auto c = tiny_config(make_tiny_dataset(tmp.path / "data"), (tmp.path / "run").string());
  c.train.cuda_graph = true;
  try {
    train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c));
    FAIL() << "a CUDA graph on the CPU was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("TRAIN.CUDA_GRAPH"), std::string::npos) << message;
    EXPECT_NE(message.find("CUDA device"), std::string::npos) << message;
  }
}

TEST(CudaGraphStep, NeedsACudaDeviceAndOneMicroBatchPerStep) {
  auto comm = std::make_shared<dist::SingleProcessCommunicator>();
  auto param = torch::zeros({2}, torch::requires_grad());
  optim::ParamGroup all;
  all.name = "all";
  all.params = {param};
  const auto updater = train::make_parameter_updater({all}, optim::OptimizerOptions{}, 0, comm);
  const auto scaler = optim::make_loss_scaler(false);
  const auto loss = [&](const std::vector<torch::Tensor>&) { return param.sum(); };
  train::TrainingStep one(*updater, *scaler, 1, 0.0, 10, torch::kCPU);
  EXPECT_THROW(train::CudaGraphStep(one, loss, torch::kCPU), Error);
  train::TrainingStep two(*updater, *scaler, 2, 0.0, 10, torch::kCPU);
  EXPECT_THROW(train::CudaGraphStep(two, loss, torch::Device(torch::kCUDA, 0)), Error);
}

}  // namespace
}  // namespace swinpp::testing

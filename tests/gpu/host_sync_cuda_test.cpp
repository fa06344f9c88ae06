// A training step on CUDA never waits for the GPU: run under CUDA's sync
// debug mode set to error, bf16 autocast and fp16 with the dynamic loss
// scaler, through the replicated updater and ZeRO-2 at world size 1. Skips
// when no CUDA device is present.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

#ifdef SWINPP_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/optim/param_groups.h"
#include "swinpp/train/autocast_guard.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/train/training_step.h"

namespace swinpp {
namespace {

struct SyncCase {
  bool fp16;
  int zero_stage;
};

class TrainingStepOnCuda : public ::testing::TestWithParam<SyncCase> {};

TEST_P(TrainingStepOnCuda, NeverWaitsForTheGpuBetweenLoggingSteps) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
#ifndef SWINPP_WITH_CUDA
  GTEST_SKIP() << "built without CUDA";
#else
  const torch::Device cuda(torch::kCUDA);
  SwinV2Options o;  // the trainer tests' tiny model
  o.img_size = 32, o.window_size = 4, o.embed_dim = 16, o.num_classes = 10;
  o.depths = {1, 1, 2, 1}, o.num_heads = {1, 2, 4, 8};
  torch::manual_seed(0);
  SwinTransformerV2 model(o);
  model->to(cuda);
  auto comm = std::make_shared<dist::SingleProcessCommunicator>();
  optim::ParamGroup all;
  all.name = "all";
  all.params = model->parameters();
  const auto updater = train::make_parameter_updater(
      {all}, optim::OptimizerOptions{}, GetParam().zero_stage, comm, model->parameters());
  const auto scaler = optim::make_loss_scaler(GetParam().fp16);
  train::TrainingStep step(*updater, *scaler, /*accumulation_steps=*/2, /*clip_grad=*/5.0,
                           /*max_skipped_steps=*/10, cuda);
  const torch::Tensor x = torch::randn({8, 3, 32, 32}, cuda);  // [8, 3, 32, 32]
  const torch::Tensor y = torch::randint(10, {8}, torch::TensorOptions(cuda).dtype(torch::kLong));
  const auto dtype = GetParam().fp16 ? torch::kHalf : torch::kBFloat16;
  const auto train_step = [&] {
    for (int micro = 0; micro < 2; ++micro) {
      torch::Tensor loss;
      {
        train::AutocastGuard autocast(true, c10::DeviceType::CUDA, dtype);
        loss = torch::cross_entropy_loss(model->forward(x), y);
      }
      step.backward(loss, x.size(0), micro == 1);
    }
    step.update();
    step.clear();
  };
  // The first two steps allocate the state and the library handles, make the
  // blocks' caches and (ZeRO-2) agree on the bucket order.
  train_step();
  train_step();
  torch::cuda::synchronize();
  auto& mode = c10::cuda::warning_state();
  mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
  try {
    for (int i = 0; i < 3; ++i) train_step();
  } catch (const c10::Error& e) {
    mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
    FAIL() << "a step waited for the GPU: " << e.what_without_backtrace();
  }
  mode.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
  const auto report = step.statistics().take(*comm);
  EXPECT_EQ(report.micro_batches, 10);
  EXPECT_TRUE(std::isfinite(report.mean_loss));
  EXPECT_GT(report.grad_norm, 0.0);
  EXPECT_LT(report.skipped, 5);  // fp16 may skip while its scale backs off
  EXPECT_GT(report.last_finite_step, 0);
#endif
}

INSTANTIATE_TEST_SUITE_P(AmpAndUpdaters, TrainingStepOnCuda,
                         ::testing::Values(SyncCase{false, 0}, SyncCase{true, 0},
                                           SyncCase{false, 2}, SyncCase{true, 2}),
                         [](const ::testing::TestParamInfo<SyncCase>& info) {
                           return std::string(info.param.fp16 ? "Fp16" : "Bf16") + "ZeroStage" +
                                  std::to_string(info.param.zero_stage);
                         });

}  // namespace
}  // namespace swinpp

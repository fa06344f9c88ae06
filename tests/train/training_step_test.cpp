// The training step keeps its outcome on the device: a whole run of steps,
// with gradient accumulation, a skipped step and the fp16 loss scaler, reads
// nothing back until the statistics are taken at a logging step.
#include "swinpp/train/training_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "device_read_counter.h"
#include "swinpp/config/config.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/optim/param_groups.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/parameter_updater.h"
#include "swinpp/train/trainer.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

struct StepCase {
  int zero_stage;
  bool fp16_scaler;
};

std::string case_name(const ::testing::TestParamInfo<StepCase>& info) {
  return "ZeroStage" + std::to_string(info.param.zero_stage) +
         (info.param.fp16_scaler ? "DynamicScaler" : "NoScaler");
}

class TrainingStepWith : public ::testing::TestWithParam<StepCase> {};

TEST_P(TrainingStepWith, NeverReadsTheDeviceAndSkipsNonFiniteStepsOnIt) {
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(6, 5), torch::nn::GELU(), torch::nn::Linear(5, 3));
  auto comm = std::make_shared<dist::SingleProcessCommunicator>();
  optim::ParamGroup all;
  all.name = "all";
  all.params = model->parameters();
  optim::OptimizerOptions adamw;
  adamw.base_lr = 1e-2;
  const auto updater =
      train::make_parameter_updater({all}, adamw, GetParam().zero_stage, comm, model->parameters());
  const auto scaler = optim::make_loss_scaler(GetParam().fp16_scaler);
  constexpr int64_t kAccumulation = 2;
  train::TrainingStep step(*updater, *scaler, kAccumulation, /*clip_grad=*/0.5,
                           /*max_skipped_steps=*/2, torch::kCPU);
  const torch::Tensor x = torch::randn({4, 6});  // [4, 6]
  const auto snapshot = [&] {
    std::vector<torch::Tensor> values;
    for (const auto& p : model->parameters()) values.push_back(p.detach().clone());
    return values;
  };
  std::vector<std::vector<torch::Tensor>> after;
  std::vector<torch::Tensor> found_inf;
  {
    DeviceReadCounter reads;
    for (int64_t s = 1; s <= 4; ++s) {
      for (int64_t micro = 0; micro < kAccumulation; ++micro) {
        torch::Tensor loss = model->forward(x * static_cast<double>(micro + 1)).square().mean();
        if (s == 2 && micro == 1) loss = loss * std::numeric_limits<float>::quiet_NaN();
        step.backward(loss, x.size(0), micro == kAccumulation - 1);
      }
      found_inf.push_back(step.update().found_inf);
      step.clear();
      after.push_back(snapshot());
    }
    EXPECT_EQ(reads.count(), 0);
  }
  // Step 2 was skipped: its weights are those of step 1; the others moved.
  for (size_t p = 0; p < after[0].size(); ++p) {
    EXPECT_TRUE(torch::equal(after[0][p], after[1][p])) << p;
    EXPECT_FALSE(torch::equal(after[1][p], after[2][p])) << p;
  }
  EXPECT_EQ(found_inf[0].item<float>(), 0.0f);
  EXPECT_EQ(found_inf[1].item<float>(), 1.0f);
  EXPECT_EQ(found_inf[3].item<float>(), 0.0f);
  if (GetParam().fp16_scaler) {
    EXPECT_EQ(scaler->current_scale(), 32768.0);
  }

  const train::StepStatistics::Report r = step.statistics().take(*comm);
  EXPECT_EQ(r.micro_batches, 8);
  EXPECT_EQ(r.images, 32);
  EXPECT_TRUE(std::isnan(r.mean_loss));
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.streak_limit_step, 0);  // one skipped step, two would stop
  EXPECT_EQ(r.last_finite_step, 4);
  EXPECT_GT(r.grad_norm, 0.0);
  // A new window: nothing counted yet, the run's state kept.
  const train::StepStatistics::Report next = step.statistics().take(*comm);
  EXPECT_EQ(next.micro_batches, 0);
  EXPECT_EQ(next.skipped, 0);
  EXPECT_EQ(next.last_finite_step, 4);
}

INSTANTIATE_TEST_SUITE_P(Updaters, TrainingStepWith,
                         ::testing::Values(StepCase{0, false}, StepCase{0, true},
                                           StepCase{1, false}, StepCase{2, true}),
                         case_name);

TEST(StepStatistics, ReportTheFirstStepOfASkipRunAndTheLastFiniteLoss) {
  dist::SingleProcessCommunicator comm;
  train::StepStatistics stats(/*max_skipped_steps=*/3, torch::kCPU);
  const auto ok = torch::zeros({1});
  const auto bad = torch::ones({1});
  const auto norm = torch::full({}, 2.5f);
  // Steps 1, 2 applied (losses 1 and 3), 3-4 skipped, 5 applied, 6-9 skipped.
  const std::vector<double> losses = {1, 3, 0, 0, 5, 0, 0, 0, 0};
  for (int64_t s = 1; s <= 9; ++s) {
    stats.add_micro_batch(torch::full({}, losses[s - 1]), 2);
    const bool skipped = s == 3 || s == 4 || s >= 6;
    stats.end_step(skipped ? bad : ok, norm);
  }
  const auto peeked = stats.peek();
  EXPECT_EQ(peeked.micro_batches, 0);  // the window is left alone
  EXPECT_EQ(peeked.streak_limit_step, 8);
  EXPECT_EQ(peeked.last_finite_step, 5);
  EXPECT_DOUBLE_EQ(peeked.last_finite_loss, 5.0);
  const auto r = stats.take(comm);
  EXPECT_EQ(r.micro_batches, 9);
  EXPECT_EQ(r.images, 18);
  EXPECT_DOUBLE_EQ(r.mean_loss, 9.0 / 9.0);
  EXPECT_EQ(r.skipped, 6);
  EXPECT_EQ(r.streak_limit_step, 8);
  EXPECT_DOUBLE_EQ(r.grad_norm, 2.5);
  EXPECT_THROW(train::StepStatistics(0, torch::kCPU), Error);
}

TEST(StepStatistics, CountStepsOnTheDeviceFromWhereARunResumes) {
  dist::SingleProcessCommunicator comm;
  train::StepStatistics stats(/*max_skipped_steps=*/2, torch::kCPU);
  stats.start_at(40);
  const auto norm = torch::full({}, 1.0f);
  stats.add_micro_batch(torch::full({}, 2.0), 1);
  stats.end_step(torch::zeros({1}), norm);  // step 41 applied
  stats.add_micro_batch(torch::full({}, 3.0), 1);
  stats.end_step(torch::ones({1}), norm);  // 42 skipped
  stats.add_micro_batch(torch::full({}, 4.0), 1);
  stats.end_step(torch::ones({1}), norm);  // 43 skipped: two in a row
  const auto r = stats.take(comm);
  EXPECT_EQ(r.last_finite_step, 41);
  EXPECT_DOUBLE_EQ(r.last_finite_loss, 2.0);
  EXPECT_EQ(r.streak_limit_step, 43);
  EXPECT_THROW(stats.start_at(-1), Error);
}

class TrainerWith : public ::testing::TestWithParam<int> {};

/// Device reads over a whole fit(), with logging only at its end.
int64_t reads_of_a_run(const config::Config& base, const std::filesystem::path& dir,
                       int64_t steps) {
  auto c = base;
  c.output = dir.string();
  c.print_freq = 1000;
  train::TrainerOptions o;
  o.max_steps = steps;
  train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c), o);
  DeviceReadCounter reads;
  trainer.fit();
  return reads.count();
}

TEST_P(TrainerWith, ReadsTheDeviceOnlyOnLoggingSteps) {
  TempDir tmp("swinpp_host_reads");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, "");
  c.dist.zero_stage = GetParam();
  c.train.accumulation_steps = 1;
  c.train.clip_grad = 1.0;
  c.train.ema.enable = true;
  c.train.save_steps = 0;
  // Mixup and CutMix on (the official defaults): they draw on the host.
  ASSERT_GT(c.aug.mixup, 0.0);
  ASSERT_GT(c.aug.cutmix, 0.0);
  const int64_t two = reads_of_a_run(c, tmp.path / "two", 2);
  const int64_t five = reads_of_a_run(c, tmp.path / "five", 5);
  EXPECT_EQ(five, two) << "three more steps read the device " << five - two << " times";
}

INSTANTIATE_TEST_SUITE_P(ZeroStages, TrainerWith, ::testing::Values(0, 2));

TEST(TrainerOptions, ForbiddingDeviceSyncsOnTheCpuIsAnErrorNamingTheDevice) {
  TempDir tmp("swinpp_forbid_syncs");
  const auto data = make_tiny_dataset(tmp.path / "data");
  const auto c = tiny_config(data, (tmp.path / "run").string());
  train::TrainerOptions o;
  o.forbid_device_syncs = true;
  try {
    train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c), o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a CUDA device"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the device is cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swinpp::testing

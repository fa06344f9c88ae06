// Numerical guards: a step whose loss is not finite never updates the weights
// (fp32 and bf16 autocast), too many in a row stop the run with the step, the
// last finite loss and the last checkpoint, and STOP_AT_NON_FINITE stops at once.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <limits>

#include "swinpp/io/safetensors.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/trainer.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

/// Classification whose loss becomes NaN from micro-batch `first_bad` on.
class NonFiniteFrom : public train::ClassificationTask {
 public:
  NonFiniteFrom(const config::Config& c, int64_t first_bad)
      : train::ClassificationTask(c), first_bad_(first_bad) {}
  torch::Tensor loss(const std::vector<torch::Tensor>& inputs) override {
    torch::Tensor loss = train::ClassificationTask::loss(inputs);
    if (calls_++ >= first_bad_) loss = loss * std::numeric_limits<float>::quiet_NaN();
    return loss;
  }

 private:
  int64_t first_bad_;
  int64_t calls_ = 0;
};

/// Classification whose parameter `name` is filled with `value` before
/// micro-batch `at`.
class ParameterSetAt : public train::ClassificationTask {
 public:
  ParameterSetAt(const config::Config& c, std::string name, double value, int64_t at)
      : train::ClassificationTask(c), name_(std::move(name)), value_(value), at_(at) {}
  torch::Tensor loss(const std::vector<torch::Tensor>& inputs) override {
    if (calls_++ == at_) {
      torch::NoGradGuard no_grad;
      model()->named_parameters()[name_].fill_(value_);
    }
    return train::ClassificationTask::loss(inputs);
  }

 private:
  std::string name_;
  double value_;
  int64_t at_;
  int64_t calls_ = 0;
};

std::string run_error(const config::Config& c, std::shared_ptr<train::TrainingTask> task,
                      int64_t max_steps) {
  train::TrainerOptions o;
  o.max_steps = max_steps;
  train::Trainer trainer(c, std::move(task), o);
  try {
    trainer.fit();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string run_error(const config::Config& c, int64_t first_bad, int64_t max_steps) {
  return run_error(c, std::make_shared<NonFiniteFrom>(c, first_bad), max_steps);
}

io::TensorMap weights_at(const config::Config& c, const char* step) {
  return io::load_safetensors(
      (fs::path(c.output) / c.model.name / c.tag / "checkpoints" / step / "model.safetensors")
          .string());
}

class NonFiniteStepsIn : public ::testing::TestWithParam<bool> {};

TEST_P(NonFiniteStepsIn, FloatingPointTypeNeverUpdateTheWeights) {
  TempDir tmp("swinpp_nonfinite");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.amp_enable = GetParam();  // bfloat16 autocast on the CPU
  c.train.save_steps = 3;
  c.train.max_skipped_steps = 100;
  EXPECT_EQ(run_error(c, /*first_bad=*/3, /*max_steps=*/6), "");
  const auto before = weights_at(c, "ckpt_step_00000003");
  const auto after = weights_at(c, "ckpt_step_00000006");
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [key, value] : before) EXPECT_TRUE(torch::equal(value, after.at(key))) << key;
}

INSTANTIATE_TEST_SUITE_P(Fp32AndBf16, NonFiniteStepsIn, ::testing::Values(false, true));

TEST(NonFiniteSteps, TooManyInARowStopTheRunNamingWhereItStands) {
  TempDir tmp("swinpp_nonfinite_stop");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.save_steps = 2;
  c.train.max_skipped_steps = 3;
  const std::string message = run_error(c, /*first_bad=*/3, /*max_steps=*/0);
  EXPECT_NE(message.find("step 6: 3 steps in a row"), std::string::npos) << message;
  EXPECT_NE(message.find("TRAIN.MAX_SKIPPED_STEPS 3"), std::string::npos) << message;
  EXPECT_NE(message.find("last finite loss"), std::string::npos) << message;
  EXPECT_NE(message.find("at step 3"), std::string::npos) << message;
  EXPECT_NE(message.find("ckpt_step_00000004"), std::string::npos) << message;
}

TEST(NonFiniteSteps, StopAtNonFiniteNamesTheLossAndTheGradients) {
  TempDir tmp("swinpp_nonfinite_first");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.stop_at_non_finite = true;
  const std::string message = run_error(c, /*first_bad=*/1, /*max_steps=*/0);
  EXPECT_NE(message.find("step 2: the loss is not finite"), std::string::npos) << message;
  EXPECT_NE(message.find("nearest the loss 'head.bias' (module 'head')"), std::string::npos)
      << message;
  EXPECT_NE(message.find("every module's output was finite; the first gradient that is not "
                         "finite reached the output of 'head' from what uses it (the loss"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("TRAIN.STOP_AT_NON_FINITE"), std::string::npos) << message;
}

class StopAtNonFiniteWith : public ::testing::TestWithParam<bool> {};

TEST_P(StopAtNonFiniteWith, CheckpointingOrNotNamesTheModuleWhoseOutputOverflowed) {
  TempDir tmp("swinpp_nonfinite_module");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.stop_at_non_finite = true;
  if (GetParam())  // recomputed blocks report from backward
    c.train.checkpoint_stages.assign(c.model.swinv2.depths.size(), true);
  // Finite weights whose products overflow float32 in the second stage's MLP.
  const auto task = std::make_shared<ParameterSetAt>(c, "layers.1.blocks.0.mlp.fc1.weight", 3e38,
                                                     /*at=*/2);
  const std::string message = run_error(c, task, /*max_steps=*/0);
  EXPECT_NE(message.find("step 3: the loss is not finite"), std::string::npos) << message;
  EXPECT_NE(message.find("the first output that is not finite is that of "
                         "'layers.1.blocks.0.mlp.fc1'"),
            std::string::npos)
      << message;
}

INSTANTIATE_TEST_SUITE_P(ActivationCheckpointing, StopAtNonFiniteWith,
                         ::testing::Values(false, true));

}  // namespace
}  // namespace swinpp::testing

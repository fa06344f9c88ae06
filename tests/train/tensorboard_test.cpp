// Training's TensorBoard events, read back by TensorBoard's own reader, equal
// metrics.jsonl, also across a resume from an older checkpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "swinpp/train/checkpoint.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/event_file_writer.h"
#include "swinpp/train/simmim_task.h"
#include "swinpp/train/trainer.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

/// Runs tests/train/check_tensorboard.py on `run_dir`; returns its exit status and output.
std::pair<int, std::string> check_events(const std::string& run_dir, const std::string& flags) {
  const std::string command = std::string(SWINPP_PYTHON) + " " + SWINPP_TEST_SOURCE_DIR +
                              "/train/check_tensorboard.py " + run_dir + " " + flags + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(EventFileWriter, Crc32cOfTheStandardCheckString) {
  // The CRC-32C check value (RFC 3720 appendix B.4).
  EXPECT_EQ(train::crc32c("123456789", 9), 0xE3069283u);
}

class TensorBoard : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(SWINPP_PYTHON).empty()) GTEST_SKIP() << "no python beside LibTorch";
  }
};

TEST_F(TensorBoard, FineTuningScalarsEqualMetricsAcrossAResume) {
  TempDir tmp("swinpp_tensorboard");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.ema.enable = true;  // ema_ variants of the validation metrics
  c.train.layer_decay = 0.9;  // a learning rate per group
  c.train.save_steps = 2;
  std::string run_dir;
  {
    train::TrainerOptions first;
    first.max_steps = 5;
    train::Trainer part(c, std::make_shared<train::ClassificationTask>(c), first);
    part.fit();
    run_dir = part.run_dir();
  }
  // As if it had died after logging step 5 but before its checkpoint: the
  // resumed run starts from step 4 and logs step 5 again.
  const auto latest = train::latest_checkpoint(run_dir + "/checkpoints");
  ASSERT_TRUE(latest && fs::path(*latest).filename() == "ckpt_step_00000005") << *latest;
  fs::remove_all(*latest);
  train::Trainer rest(c, std::make_shared<train::ClassificationTask>(c));
  rest.fit();
  const auto [status, output] = check_events(run_dir, "");
  EXPECT_EQ(status, 0) << output;
  std::cout << output;
}

TEST_F(TensorBoard, PretrainingWritesReconstructionPictures) {
  TempDir tmp("swinpp_tensorboard_simmim");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.preview_steps = 2;
  train::TrainerOptions options;
  options.max_steps = 4;
  train::Trainer trainer(c, std::make_shared<train::SimMIMTask>(c), options);
  trainer.fit();
  const auto [status, output] = check_events(trainer.run_dir(), "--images");
  EXPECT_EQ(status, 0) << output;
  std::cout << output;
}

}  // namespace
}  // namespace swinpp::testing

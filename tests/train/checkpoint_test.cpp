// Checkpoints that survive damage: every file is checked against the manifest,
// auto-resume passes over a damaged checkpoint to the newest intact one, and a
// failing write ends the run with an error while the previous checkpoint stays.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "../file_size_limit.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/trainer.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

/// Trains `c` for `steps` optimizer steps (0: to the end).
void train_steps(const config::Config& c, int64_t steps) {
  train::TrainerOptions o;
  o.max_steps = steps;
  train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c), o);
  trainer.fit();
}

std::string run_dir_of(const config::Config& c) {
  return (fs::path(c.output) / c.model.name / c.tag).string();
}

std::string checkpoint_of(const std::string& run_dir, const char* step) {
  return run_dir + "/checkpoints/ckpt_step_0000000" + step;
}

/// Flips the bits of the byte in the middle of `path`.
void flip_a_byte(const std::string& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(0, std::ios::end);
  const std::streamoff middle = file.tellg() / 2;
  file.seekg(middle);
  const char byte = static_cast<char>(~file.get());
  file.seekp(middle);
  file.put(byte);
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a swinpp::Error";
  return "";
}

TEST(CheckpointManifest, DamagedCheckpointsAreNamedAndResumeFallsBackBitIdentically) {
  TempDir tmp("swinpp_manifest");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto straight = tiny_config(data, (tmp.path / "straight").string());
  train::Trainer reference(straight, std::make_shared<train::ClassificationTask>(straight));
  reference.fit();

  auto c = tiny_config(data, (tmp.path / "damaged").string());
  c.train.save_steps = 1;
  train_steps(c, 5);  // keeps the step checkpoints 4 and 5
  const std::string run_dir = run_dir_of(c);
  const std::string step4 = checkpoint_of(run_dir, "4");
  const std::string step5 = checkpoint_of(run_dir, "5");
  flip_a_byte(step5 + "/model.safetensors");

  const train::IntactCheckpoint found = train::latest_intact_checkpoint(run_dir + "/checkpoints");
  ASSERT_EQ(found.folder, step4);
  ASSERT_EQ(found.damaged.size(), 1u);
  EXPECT_NE(found.damaged[0].find(step5 + "/model.safetensors' is corrupted"), std::string::npos)
      << found.damaged[0];

  // A truncated file, in a copy of step 4 that is the only checkpoint of its folder.
  const fs::path copy = tmp.path / "copy" / "ckpt_step_00000004";
  fs::create_directories(copy.parent_path());
  fs::copy(step4, copy, fs::copy_options::recursive);
  fs::resize_file(copy / "trainer.pt", fs::file_size(copy / "trainer.pt") - 1);
  const train::IntactCheckpoint none = train::latest_intact_checkpoint(copy.parent_path().string());
  EXPECT_FALSE(none.folder.has_value());
  ASSERT_EQ(none.damaged.size(), 1u);
  EXPECT_NE(none.damaged[0].find((copy / "trainer.pt").string() + "' is truncated"),
            std::string::npos)
      << none.damaged[0];

  // Resuming explicitly from the damaged one names the file.
  auto explicit_resume = c;
  explicit_resume.model.resume = step5;
  const std::string message = error_of([&] { train_steps(explicit_resume, 6); });
  EXPECT_NE(message.find(step5 + "/model.safetensors"), std::string::npos) << message;

  // Auto-resume continues from step 4 and ends where an uninterrupted run ends.
  train::Trainer rest(c, std::make_shared<train::ClassificationTask>(c));
  rest.fit();
  expect_bit_identical(final_weights(reference), final_weights(rest));
}

TEST(CheckpointWrite, AFailingWriteEndsTheRunAndARestartResumesBitIdentically) {
  TempDir tmp("swinpp_full");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto straight = tiny_config(data, (tmp.path / "straight").string());
  train::Trainer reference(straight, std::make_shared<train::ClassificationTask>(straight));
  reference.fit();

  auto c = tiny_config(data, (tmp.path / "run").string());
  c.train.save_steps = 1;
  train_steps(c, 3);
  const std::string run_dir = run_dir_of(c);
  const std::string step3 = checkpoint_of(run_dir, "3");
  const auto model_bytes = fs::file_size(step3 + "/model.safetensors");
  const auto optimizer_bytes = fs::file_size(step3 + "/optimizer.pt");
  ASSERT_GT(optimizer_bytes, model_bytes + 4096);
  std::string message;
  {
    // Room for the weights, not for the optimizer's two moments.
    FileSizeLimit limit(model_bytes + 4096);
    message = error_of([&] { train_steps(c, 5); });
  }
  EXPECT_NE(message.find("step 4"), std::string::npos) << message;
  EXPECT_NE(message.find("ckpt_step_00000004.tmp/optimizer.pt"), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  const train::IntactCheckpoint found = train::latest_intact_checkpoint(run_dir + "/checkpoints");
  EXPECT_EQ(found.folder, step3);
  EXPECT_TRUE(found.damaged.empty());
  EXPECT_FALSE(fs::exists(checkpoint_of(run_dir, "4") + ".tmp"));

  train::Trainer rest(c, std::make_shared<train::ClassificationTask>(c));
  rest.fit();
  expect_bit_identical(final_weights(reference), final_weights(rest));
}

}  // namespace
}  // namespace swinpp::testing

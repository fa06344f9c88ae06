// `swinpp transform`: the evaluation transform against torchvision with PIL on
// photo-like images, and the training transform's random streams.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "run_command.h"
#include "swinpp/config/config_io.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/random.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/data_options.h"

namespace swinpp {
namespace {

namespace fs = std::filesystem;

using testing::run_command;

/// Images and torchvision's tensors of them, made once for the suite.
class TransformCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("swinpp-transform-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    if (std::string(SWINPP_PYTHON).empty()) return;
    const std::string script =
        std::string(SWINPP_TEST_SOURCE_DIR) + "/commands/torchvision_eval_reference.py";
    made_ = run_command(std::string(SWINPP_PYTHON) + " " + script + " " + dir_.string() +
                        " 224:1 256:0 192:1") == 0;
    std::ifstream list(dir_ / "images.txt");
    for (std::string name; std::getline(list, name);)
      if (!name.empty()) images_.push_back((dir_ / name).string());
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  void SetUp() override {
    if (!made_) GTEST_SKIP() << "no python with torchvision beside LibTorch (tools/setup.sh)";
  }

  static std::string image_args() {
    std::string args;
    for (const auto& image : images_) args += " " + image;
    return args;
  }

  /// `swinpp transform` with `flags` on every image; its 'images' [N, 3, S, S].
  static torch::Tensor transform(const std::string& flags) {
    const auto out = (dir_ / "ours.safetensors").string();
    const std::string command = std::string(SWINPP_BINARY) + " transform " + flags + " -o " + out +
                                image_args() + " 2>/dev/null";
    EXPECT_EQ(run_command(command), 0) << command;
    return io::load_safetensors(out).at("images");
  }

  static inline fs::path dir_;
  static inline bool made_ = false;
  static inline std::vector<std::string> images_;
};

/// Largest difference, in levels of 255, between our normalised images and
/// torchvision's un-normalised ones under `key`.I.
double largest_difference(const torch::Tensor& ours, const io::TensorMap& reference,
                          const std::string& key) {
  const auto mean = torch::tensor({0.485, 0.456, 0.406}).view({3, 1, 1});
  const auto std = torch::tensor({0.229, 0.224, 0.225}).view({3, 1, 1});
  double worst = 0;
  for (int64_t i = 0; i < ours.size(0); ++i) {
    const auto& ref = reference.at(key + "." + std::to_string(i));  // [3, S, S] in [0, 1]
    EXPECT_EQ(ours[i].sizes(), ref.sizes()) << key << " image " << i;
    const auto pixels = ours[i].to(torch::kFloat64) * std + mean;
    // Both sides are whole levels of 255 before normalisation.
    const double diff = ((pixels - ref).abs() * 255).round().max().item<double>();
    EXPECT_LE(diff, 2.0) << key << " image " << i;
    worst = std::max(worst, diff);
  }
  return worst;
}

TEST_F(TransformCommand, EvalMatchesTorchvisionWithPil) {
  const auto reference = io::load_safetensors((dir_ / "reference.safetensors").string());
  ASSERT_GE(images_.size(), 15u);
  const struct {
    const char* opts;
    const char* key;
  } settings[] = {{"DATA.IMG_SIZE 224", "224.1"},
                  {"DATA.IMG_SIZE 256 TEST.CROP false", "256.0"},
                  {"DATA.IMG_SIZE 192", "192.1"}};
  for (const auto& s : settings) {
    const auto ours = transform(std::string("--eval --opts ") + s.opts);
    ASSERT_EQ(ours.size(0), static_cast<int64_t>(images_.size()));
    const double worst = largest_difference(ours, reference, s.key);
    RecordProperty(std::string("largest_difference_") + s.key, std::to_string(worst));
    std::cout << s.key << ": largest difference " << worst << "/255\n";
  }
}

TEST_F(TransformCommand, TrainUsesTheLoadersRandomStreams) {
  const auto first = transform("--train --opts DATA.IMG_SIZE 64 SEED 7");
  EXPECT_TRUE(torch::equal(first, transform("--train --opts DATA.IMG_SIZE 64 SEED 7")));
  EXPECT_FALSE(torch::equal(first, transform("--train --epoch 1 --opts DATA.IMG_SIZE 64 SEED 7")));
  const auto cfg = config::load_config("", {"DATA.IMG_SIZE", "64", "SEED", "7"});
  const data::TrainTransform expected(train::train_transform_options(cfg));
  for (size_t i = 0; i < 3; ++i) {
    auto gen = data::sample_generator(7, 0, static_cast<int64_t>(i));
    EXPECT_TRUE(torch::equal(first[static_cast<int64_t>(i)],
                             expected(data::read_file_bytes(images_[i]), gen, images_[i])))
        << images_[i];
  }
}

TEST_F(TransformCommand, SimMIMWritesMasks) {
  const auto out = (dir_ / "simmim.safetensors").string();
  ASSERT_EQ(run_command(std::string(SWINPP_BINARY) +
                        " transform --train --simmim --opts DATA.IMG_SIZE 192" + " -o " + out +
                        " " + images_[0] + " " + images_[1] + " 2>/dev/null"),
            0);
  const auto tensors = io::load_safetensors(out);
  EXPECT_EQ(tensors.at("images").sizes(), (std::vector<int64_t>{2, 3, 192, 192}));
  const auto& masks = tensors.at("masks");  // [2, 192/4, 192/4], 1 = masked
  EXPECT_EQ(masks.sizes(), (std::vector<int64_t>{2, 48, 48}));
  EXPECT_NEAR(masks.to(torch::kFloat64).mean().item<double>(), 0.6, 0.05);
}

TEST_F(TransformCommand, NeedsEvalOrTrain) {
  EXPECT_NE(run_command(std::string(SWINPP_BINARY) + " transform -o /dev/null " + images_[0] +
                        " 2>/dev/null"),
            0);
  EXPECT_NE(run_command(std::string(SWINPP_BINARY) + " transform --eval --train -o /dev/null " +
                        images_[0] + " 2>/dev/null"),
            0);
}

}  // namespace
}  // namespace swinpp

// swinpp bench model: one JSON line with the timing and the model's FLOPs per
// image for MFU (6 per forward multiply-add for a training step, 2 for
// inference); SwinV2-T w8 256 against timm's stated 5.96 GMACs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

nlohmann::json bench_model(const std::string& flags) {
  const fs::path out =
      fs::temp_directory_path() / ("swinpp_bench_model_" + std::to_string(::getpid()) + ".json");
  const std::string command = std::string(SWINPP_BINARY) +
                              " bench model --config " SWINPP_TEST_SOURCE_DIR
                              "/../configs/swinv2/swinv2_tiny_patch4_window8_256.yaml "
                              "--batch 1 --steps 1 --warmup 0 --threads 2 " +
                              flags + " > " + out.string() + " 2>/dev/null";
  EXPECT_EQ(run_command(command), 0) << command;
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  fs::remove(out);
  return nlohmann::json::parse(line);
}

TEST(BenchModelCommand, ReportsTheModelsFlopsPerImageForTrainingAndInference) {
  const auto train = bench_model("");
  const auto inference = bench_model("--inference");
  EXPECT_EQ(train.at("what"), "train_step");
  EXPECT_EQ(inference.at("what"), "inference");
  EXPECT_GT(train.at("images_per_s").get<double>(), 0.0);
  const double train_flops = train.at("flops_per_image").get<double>();
  const double inference_flops = inference.at("flops_per_image").get<double>();
  EXPECT_NEAR(inference_flops / 2 / 1e9, 5.96, 0.15) << "GMACs per image";
  EXPECT_DOUBLE_EQ(train_flops, 3 * inference_flops);
}

}  // namespace
}  // namespace swinpp::testing

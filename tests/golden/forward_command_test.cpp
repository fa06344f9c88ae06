// `swinpp forward` reproduces the golden tensors from the command line.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "golden_case.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::testing {
namespace {

std::string repo_path(const std::string& rel) {
  return std::string(SWINPP_GOLDEN_DIR) + "/../../../" + rel;
}

void check_forward(const std::string& name, const std::string& config, const std::string& extra) {
  const auto c = load_golden_case(name);
  const auto out =
      (std::filesystem::temp_directory_path() / (name + ".forward.safetensors")).string();
  const std::string cmd = std::string(SWINPP_BINARY) + " forward --threads 2 --config " +
                          repo_path(config) + " --weights " + c.path(".pth") + " --input " +
                          c.path(".io.safetensors") + " --output " + out + " " + extra;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto ours = io::load_safetensors(out);
  int compared = 0;
  for (const auto& [key, value] : ours) {
    if (key == "input" || key == "mask") continue;
    ASSERT_TRUE(c.io.count(key)) << key;
    EXPECT_LT(relative_error(value, c.io.at(key)), 1e-4) << key;
    ++compared;
  }
  EXPECT_EQ(compared + 1 + (extra.empty() ? 0 : 1), static_cast<int>(c.io.size()));
  std::filesystem::remove(out);
}

// `forward --backward` writes the loss and every parameter's gradient; the
// classification targets travel in the input file next to the input.
void check_backward(const std::string& name, const std::string& config, const std::string& extra) {
  const auto c = load_golden_case(name);
  const auto ref = load_golden_gradients(c);
  const auto dir = std::filesystem::temp_directory_path();
  const auto in = (dir / (name + ".backward-in.safetensors")).string();
  const auto out = (dir / (name + ".backward.safetensors")).string();
  auto inputs = c.io;
  if (ref.count("target")) inputs["target"] = ref.at("target");
  io::save_safetensors(in, inputs);
  const std::string cmd = std::string(SWINPP_BINARY) + " forward --backward --threads 2 --config " +
                          repo_path(config) + " --weights " + c.path(".pth") + " --input " + in +
                          " --output " + out + " " + extra;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto ours = io::load_safetensors(out);
  ASSERT_TRUE(ours.count("loss"));
  EXPECT_LT(relative_error(ours.at("loss"), ref.at("loss")), 1e-4);
  expect_gradients_match(ref, ours);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST(ForwardCommand, ClassificationGradients) {
  check_backward("cls_tiny64", "configs/tiny/swinv2_tiny_golden64.yaml", "");
}

TEST(ForwardCommand, SimMIMGradients) {
  check_backward("simmim_tiny64", "configs/tiny/simmim_tiny_golden64.yaml", "--simmim");
}

TEST(ForwardCommand, BackwardWithoutTargetsNamesTheMissingTensor) {
  const auto c = load_golden_case("cls_tiny64");
  const auto log = (std::filesystem::temp_directory_path() / "backward-no-target.log").string();
  const std::string cmd = std::string(SWINPP_BINARY) + " forward --backward --threads 1 --config " +
                          repo_path("configs/tiny/swinv2_tiny_golden64.yaml") + " --input " +
                          c.path(".io.safetensors") + " --output /dev/null 2>" + log;
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("no tensor named 'target'"), std::string::npos) << text;
  std::filesystem::remove(log);
}

TEST(ForwardCommand, ClassificationCase) {
  check_forward("cls_tiny64", "configs/tiny/swinv2_tiny_golden64.yaml", "");
}

TEST(ForwardCommand, SimMIMCase) {
  check_forward("simmim_tiny64", "configs/tiny/simmim_tiny_golden64.yaml", "--simmim");
}

}  // namespace
}  // namespace swinpp::testing

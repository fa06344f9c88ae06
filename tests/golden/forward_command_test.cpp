// `swinpp forward` reproduces the golden tensors from the command line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

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

TEST(ForwardCommand, ClassificationCase) {
  check_forward("cls_tiny64", "configs/tiny/swinv2_tiny_golden64.yaml", "");
}

TEST(ForwardCommand, SimMIMCase) {
  check_forward("simmim_tiny64", "configs/tiny/simmim_tiny_golden64.yaml", "--simmim");
}

}  // namespace
}  // namespace swinpp::testing

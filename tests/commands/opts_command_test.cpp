// --opts on the command line: YAML list values stay one value each, and the
// options after --opts are still options.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace swinpp::testing {
namespace {

/// The standard output and error of `command`.
std::string output_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

TEST(OptsOnTheCommandLine, ListValuesAreOneValueEach) {
  const std::string config = std::string(SWINPP_TEST_SOURCE_DIR) +
                             "/../configs/swinv2/swinv2_tiny_patch4_window8_256.yaml";
  const std::string out =
      output_of(std::string(SWINPP_BINARY) + " info --config " + config +
                " --opts MODEL.SWINV2.DEPTHS '[1,1,1,1]' MODEL.SWINV2.NUM_HEADS "
                "'[2,4,8,16]' MODEL.SWINV2.EMBED_DIM 32 --threads 1");
  EXPECT_NE(out.find("SwinV2 C=32 depths=[1,1,1,1] heads=[2,4,8,16]"), std::string::npos) << out;
}

}  // namespace
}  // namespace swinpp::testing

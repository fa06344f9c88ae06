// `swinpp make-shards` writes shards that the webdataset package reads as the
// folder's images and labels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "run_command.h"
#include "swinpp/data/synthetic_dataset.h"

namespace swinpp {
namespace {

namespace fs = std::filesystem;

using testing::run_command;

TEST(MakeShardsCommand, WebdatasetReadsTheFoldersSamples) {
  if (std::string(SWINPP_PYTHON).empty()) GTEST_SKIP() << "no python beside LibTorch";
  const auto dir = fs::temp_directory_path() / ("swinpp-make-shards-" + std::to_string(::getpid()));
  data::SyntheticDatasetOptions o;
  o.classes = 4, o.per_class = 9, o.val_per_class = 0, o.width = 40, o.height = 32;
  data::make_synthetic_dataset((dir / "images").string(), o);
  const auto folder = (dir / "images" / "train").string();
  const auto shards = (dir / "shards").string();
  ASSERT_EQ(run_command(std::string(SWINPP_BINARY) + " make-shards --from " + folder + " --out " +
                        shards + " --per-shard 10 --shuffle > /dev/null"),
            0);
  EXPECT_EQ(run_command(std::string(SWINPP_PYTHON) + " " + SWINPP_TEST_SOURCE_DIR +
                        "/commands/check_webdataset.py " + shards + " " + folder),
            0);
  EXPECT_NE(run_command(std::string(SWINPP_BINARY) + " make-shards --from " + folder + " --out " +
                        shards + " --per-shard 0 2> /dev/null"),
            0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace swinpp

// swinpp bench memory under swinpp launch: every rank reports, and what it
// holds shrinks with ZeRO as the formulas say (parameters P, world N: AdamW's
// state 8P bytes, ZeRO shards of ceil(P / N) elements).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

TEST(BenchMemoryCommand, EveryRankReportsWhatItHoldsInEachMode) {
  const fs::path out =
      fs::temp_directory_path() / ("swinpp_bench_memory_" + std::to_string(::getpid()) + ".jsonl");
  const std::string command =
      std::string(SWINPP_BINARY) + " launch --nproc 2 -- swinpp bench memory --batch 1 --opts " +
      "MODEL.SWINV2.EMBED_DIM 24 DATA.IMG_SIZE 64 " +
      "MODEL.SWINV2.WINDOW_SIZE 4 MODEL.NUM_CLASSES 10 > " + out.string() + " 2>/dev/null";
  ASSERT_EQ(run_command(command), 0) << command;
  std::map<std::pair<std::string, int>, nlohmann::json> reports;  // (mode, rank)
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() != '{') continue;  // the launcher's log
    const auto j = nlohmann::json::parse(line);
    reports[{j.at("mode").get<std::string>(), j.at("rank").get<int>()}] = j;
  }
  fs::remove(out);
  ASSERT_EQ(reports.size(), 12u) << "6 modes x 2 ranks";
  const int64_t params = reports.at({"plain", 0}).at("parameter_bytes").get<int64_t>() / 4;
  const int64_t shard = (params + 1) / 2;
  for (const int rank : {0, 1}) {
    const auto& plain = reports.at({"plain", rank});
    const auto& zero1 = reports.at({"zero1", rank});
    const auto& zero2 = reports.at({"zero2", rank});
    EXPECT_EQ(plain.at("world_size").get<int>(), 2);
    EXPECT_EQ(plain.at("optimizer_state_bytes").get<int64_t>(), 8 * params);
    // The replicated gradients are views into the reducer's buckets: one copy.
    EXPECT_EQ(plain.at("gradient_bytes").get<int64_t>(), 4 * params);
    EXPECT_EQ(zero1.at("optimizer_state_bytes").get<int64_t>(), 8 * shard);
    EXPECT_EQ(zero2.at("optimizer_state_bytes").get<int64_t>(), 8 * shard);
    EXPECT_EQ(zero2.at("gradient_bytes").get<int64_t>(), 4 * shard);
    EXPECT_GT(zero2.at("bucket_peak_bytes").get<int64_t>(), 0);
    EXPECT_EQ(plain.at("bucket_peak_bytes").get<int64_t>(), 0);
    EXPECT_EQ(reports.at({"sequential", rank}).at("sequential_windows").get<int>(), 4);
    for (const char* mode : {"plain", "checkpoint", "checkpoint+sequential"})
      EXPECT_GT(reports.at({mode, rank}).at("step_peak_above_steady_mib").get<double>(), 0.0)
          << mode;
  }
}

}  // namespace
}  // namespace swinpp::testing

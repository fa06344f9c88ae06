// Runs the ranks of a test as forked processes on 127.0.0.1.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "swinpp/dist/communicator.h"

namespace swinpp::dist::testing {

/// The exit code of a rank whose body threw.
constexpr int kBodyThrewCode = 86;

/// What became of one forked rank.
struct RankOutcome {
  /// The exit code; 128 + s when killed by signal s.
  int exit_code = -1;
  /// True when the harness killed it (its deadline passed, or it was expected to hang).
  bool killed = false;
  /// Seconds from the start until it exited.
  double seconds = 0.0;
  /// What its body threw, if it did.
  std::string error;
};

/// The work of one rank: it returns normally on success and throws on failure.
using RankBody = std::function<void(int rank, int world_size, int port)>;

/// How run_ranks waits.
struct RunOptions {
  /// Ranks still running after this are killed and marked so.
  std::chrono::seconds deadline{60};
  /// Ranks expected never to finish: killed once all the others have exited.
  std::vector<int> hanging_ranks;
};

/// Forks `world_size` processes, each running body(rank, world_size, port)
/// with one intra-op thread, then _exit: 0 when the body returned,
/// kBodyThrewCode when it threw. All ranks share one free port.
std::vector<RankOutcome> run_ranks(int world_size, const RankBody& body,
                                   const RunOptions& options = {});

/// A one-line summary of every outcome, for assertion messages.
std::string describe(const std::vector<RankOutcome>& outcomes);

/// A Gloo communicator for `rank` of `world_size` through 127.0.0.1:port.
std::unique_ptr<Communicator> connect_gloo(
    int rank, int world_size, int port,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Throws std::runtime_error(what) unless `condition` holds.
void require(bool condition, const std::string& what);

/// A fresh directory under the system temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace swinpp::dist::testing

#include "multi_process.h"

#include <ATen/Parallel.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "swinpp/dist/launcher.h"
#include "swinpp/dist/rendezvous.h"

namespace swinpp::dist::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr int kUnknownExceptionCode = 87;

/// Reads everything the child wrote into the pipe (it has exited, so this ends).
std::string drain(int fd) {
  std::string text;
  char buffer[512];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

[[noreturn]] void run_child(const RankBody& body, int rank, int world_size, int port,
                            int error_fd) {
  at::set_num_threads(1);
  int code = 0;
  try {
    body(rank, world_size, port);
  } catch (const std::exception& e) {
    const std::string message = e.what();
    [[maybe_unused]] const ssize_t written = write(error_fd, message.data(), message.size());
    code = kBodyThrewCode;
  } catch (...) {
    code = kUnknownExceptionCode;
  }
  close(error_fd);
  _exit(code);
}

}  // namespace

std::vector<RankOutcome> run_ranks(int world_size, const RankBody& body,
                                   const RunOptions& options) {
  const int port = find_free_port();
  const Clock::time_point start = Clock::now();
  std::vector<pid_t> pids;
  std::vector<int> error_fds;
  for (int rank = 0; rank < world_size; ++rank) {
    int fds[2];
    if (pipe(fds) != 0) {
      throw std::runtime_error("pipe failed");
    }
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      run_child(body, rank, world_size, port, fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
      throw std::runtime_error("fork failed");
    }
    pids.push_back(pid);
    error_fds.push_back(fds[0]);
  }

  std::vector<RankOutcome> outcomes(static_cast<size_t>(world_size));
  std::vector<bool> running(static_cast<size_t>(world_size), true);
  const auto is_hanging = [&](int rank) {
    return std::count(options.hanging_ranks.begin(), options.hanging_ranks.end(), rank) > 0;
  };
  while (std::count(running.begin(), running.end(), true) > 0) {
    bool others_running = false;
    for (int rank = 0; rank < world_size; ++rank) {
      int status = 0;
      if (running[rank] && waitpid(pids[rank], &status, WNOHANG) == pids[rank]) {
        running[rank] = false;
        RankOutcome& outcome = outcomes[rank];
        outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      others_running = others_running || (running[rank] && !is_hanging(rank));
    }
    const bool past_deadline = Clock::now() - start > options.deadline;
    for (int rank = 0; rank < world_size; ++rank) {
      if (running[rank] && (past_deadline || (!others_running && is_hanging(rank)))) {
        kill(pids[rank], SIGKILL);
        outcomes[rank].killed = true;
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  for (int rank = 0; rank < world_size; ++rank) {
    outcomes[rank].error = drain(error_fds[rank]);
  }
  return outcomes;
}

std::string describe(const std::vector<RankOutcome>& outcomes) {
  std::ostringstream out;
  for (size_t rank = 0; rank < outcomes.size(); ++rank) {
    const RankOutcome& o = outcomes[rank];
    out << "\n  rank " << rank << ": exit " << o.exit_code << (o.killed ? " (killed)" : "")
        << " after " << o.seconds << " s" << (o.error.empty() ? "" : ": " + o.error);
  }
  return out.str();
}

std::unique_ptr<Communicator> connect_gloo(int rank, int world_size, int port,
                                           std::chrono::milliseconds timeout) {
  return make_communicator(explicit_dist_env(rank, world_size, rank, "127.0.0.1", port), "gloo",
                           timeout);
}

void require(bool condition, const std::string& what) {
  if (!condition) {
    throw std::runtime_error(what);
  }
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "swinpp_dist_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace swinpp::dist::testing

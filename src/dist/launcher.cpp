#include "swinpp/dist/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include "store_connection.h"
#include "swinpp/util/error.h"

extern char** environ;

namespace swinpp::dist {
namespace {

using Clock = std::chrono::steady_clock;

constexpr long kPollNanoseconds = 50'000'000;
constexpr int kExecFailedCode = 127;
constexpr int kSignalCodeBase = 128;

/// One launched copy of the program.
struct Child {
  int rank = 0;
  pid_t pid = -1;
  bool running = false;
};

/// The environment of one rank: this process's, with the launcher's variables set.
std::vector<std::string> rank_environment(int rank, int nproc, int port) {
  const std::map<std::string, std::string> overrides = {
      {"RANK", std::to_string(rank)},
      {"LOCAL_RANK", std::to_string(rank)},
      {"WORLD_SIZE", std::to_string(nproc)},
      {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
      {"MASTER_ADDR", "127.0.0.1"},
      {"MASTER_PORT", std::to_string(port)},
      {"TORCHELASTIC_USE_AGENT_STORE", "True"},  // this process hosts the store
      {"TORCHELASTIC_RESTART_COUNT", "0"}};
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (overrides.count(text.substr(0, text.find('='))) == 0) {
      entries.push_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    entries.push_back(name + "=" + value);
  }
  return entries;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) {
    pointers.push_back(s.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

int exit_code(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return kSignalCodeBase + WTERMSIG(status);
  }
  return 1;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  }
  return "exited with code " + std::to_string(exit_code(status));
}

void signal_running(std::vector<Child>& children, int signal) {
  for (const Child& child : children) {
    if (child.running) {
      kill(child.pid, signal);
    }
  }
}

/// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(pid_t parent, const sigset_t& original_mask, char** argv,
                             char** envp) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) {
    _exit(kExecFailedCode);
  }
  pthread_sigmask(SIG_SETMASK, &original_mask, nullptr);
  execvpe(argv[0], argv, envp);
  static const char message[] = "launch_local: could not execute the program\n";
  [[maybe_unused]] const ssize_t written = write(STDERR_FILENO, message, sizeof(message) - 1);
  _exit(kExecFailedCode);
}

/// Waits for every child, forwarding signals and stopping the others after
/// the first failure. Returns the first failure's code, or 0.
int supervise(std::vector<Child>& children, const sigset_t& forwarded,
              const LaunchOptions& options) {
  int failure_code = 0;
  bool killed = false;
  Clock::time_point kill_at;
  size_t running = children.size();
  while (running > 0) {
    const timespec poll{0, kPollNanoseconds};
    const int signal = sigtimedwait(&forwarded, nullptr, &poll);
    if (signal > 0) {
      spdlog::info("launch_local: forwarding {} to {} ranks", strsignal(signal), running);
      signal_running(children, signal);
    }
    for (Child& child : children) {
      int status = 0;
      if (!child.running || waitpid(child.pid, &status, WNOHANG) != child.pid) {
        continue;
      }
      child.running = false;
      --running;
      const int code = exit_code(status);
      if (code != 0 && failure_code == 0) {
        failure_code = code;
        spdlog::error("launch_local: rank {} (pid {}) {}; stopping the other {} ranks", child.rank,
                      child.pid, describe_exit(status), running);
        signal_running(children, SIGTERM);
        kill_at = Clock::now() + options.grace;
      }
    }
    if (failure_code != 0 && !killed && running > 0 && Clock::now() >= kill_at) {
      spdlog::error("launch_local: {} ranks still running after {} ms; killing them", running,
                    options.grace.count());
      signal_running(children, SIGKILL);
      killed = true;
    }
  }
  return failure_code;
}

}  // namespace

int find_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw Error(std::string("find_free_port: socket failed: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  close(fd);
  if (!ok) {
    throw Error(std::string("find_free_port: could not bind 127.0.0.1:0: ") + std::strerror(error));
  }
  return ntohs(address.sin_port);
}

int launch_local(int nproc, const std::vector<std::string>& argv, int master_port,
                 const LaunchOptions& options) {
  if (nproc < 1) {
    throw Error("launch_local: expected at least 1 process, found " + std::to_string(nproc));
  }
  if (argv.empty() || argv.front().empty()) {
    throw Error("launch_local: expected a program to run, found an empty command line");
  }
  if (master_port < 0 || master_port > 65535) {
    throw Error("launch_local: MASTER_PORT: expected 0 (any free port) or 1..65535, found " +
                std::to_string(master_port));
  }
  // The forwarded signals are blocked first, so that the store's threads
  // inherit the mask and the signals reach supervise() alone.
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    sigaddset(&forwarded, signal);
  }
  sigset_t original_mask;
  pthread_sigmask(SIG_BLOCK, &forwarded, &original_mask);
  c10::intrusive_ptr<c10d::TCPStore> store;
  try {
    store = detail::host_agent_store(master_port);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &original_mask, nullptr);
    throw;
  }
  const int port = store->getPort();

  // Everything the children need is built before fork: a child of a
  // multi-threaded process may only make async-signal-safe calls before exec.
  std::vector<std::string> arguments = argv;
  std::vector<char*> argv_pointers = c_strings(arguments);
  std::vector<std::vector<std::string>> environments;
  for (int rank = 0; rank < nproc; ++rank) {
    environments.push_back(rank_environment(rank, nproc, port));
  }
  std::vector<std::vector<char*>> env_pointers;
  for (auto& environment : environments) {
    env_pointers.push_back(c_strings(environment));
  }

  const pid_t parent = getpid();
  std::vector<Child> children(static_cast<size_t>(nproc));
  spdlog::info("launch_local: {} ranks of {} on 127.0.0.1:{}", nproc, argv.front(), port);
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = fork();
    if (pid == 0) {
      exec_child(parent, original_mask, argv_pointers.data(), env_pointers[rank].data());
    }
    if (pid < 0) {
      const int error = errno;
      signal_running(children, SIGKILL);
      for (const Child& child : children) {
        if (child.running) {
          waitpid(child.pid, nullptr, 0);
        }
      }
      pthread_sigmask(SIG_SETMASK, &original_mask, nullptr);
      throw Error("launch_local: fork of rank " + std::to_string(rank) +
                  " failed: " + std::strerror(error));
    }
    children[static_cast<size_t>(rank)] = Child{rank, pid, true};
  }
  const int code = supervise(children, forwarded, options);
  pthread_sigmask(SIG_SETMASK, &original_mask, nullptr);
  return code;
}

}  // namespace swinpp::dist

// swinpp launch: N ranks of a command on this machine, as torchrun --standalone.
#include <unistd.h>

#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "command_common.h"
#include "swinpp/dist/launcher.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct LaunchOptions {
  int nproc = 1;
  int master_port = 0;
  std::vector<std::string> command;
};

/// This program's own path, so that `swinpp launch -- swinpp ...` runs the
/// same build whether or not swinpp is on PATH.
std::string own_executable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) throw Error("swinpp launch: cannot resolve /proc/self/exe");
  return std::string(path, static_cast<size_t>(n));
}
}  // namespace

void add_launch_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LaunchOptions>();
  auto* cmd = app.add_subcommand(
      "launch",
      "Runs N ranks of a command on this machine (e.g. swinpp launch --nproc 4 -- swinpp pretrain "
      "--config C): each gets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT; "
      "if one fails the others are stopped and its exit code is returned");
  cmd->add_option("--nproc,-n", options->nproc, "ranks to start (one per GPU on a GPU host)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--master-port", options->master_port,
                  "port of the rendezvous store on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("command", options->command,
                  "the command after --; 'swinpp' runs this very program")
      ->required()
      ->expected(-1);
  cmd->callback([options, &exit_code] {
    auto argv = options->command;
    if (argv.front() == "swinpp") argv.front() = own_executable();
    exit_code = dist::launch_local(options->nproc, argv, options->master_port);
  });
}

}  // namespace swinpp::commands

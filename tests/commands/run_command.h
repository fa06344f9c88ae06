// Running a command line from a test.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

namespace swinpp::testing {

/// Runs `command` through the shell; its exit status, or -1 when it did not exit.
inline int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace swinpp::testing

#pragma once

namespace swinpp::commands {

/// The exit code of a command line swinpp cannot parse (an unknown option, a
/// missing or malformed argument); a failing command exits with 1.
inline constexpr int kUsageErrorCode = 2;

/// Runs the swinpp command line (`swinpp COMMAND [options]`). Returns the exit
/// code (a usage error is reported on one line, with kUsageErrorCode); errors
/// of the commands propagate as exceptions.
int run(int argc, char** argv);

}  // namespace swinpp::commands

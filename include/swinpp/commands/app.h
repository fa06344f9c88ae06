#pragma once

namespace swinpp::commands {

/// Runs the swinpp command line (`swinpp COMMAND [options]`). Returns the exit
/// code; errors of the commands propagate as exceptions.
int run(int argc, char** argv);

}  // namespace swinpp::commands

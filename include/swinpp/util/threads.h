#pragma once

namespace swinpp {

/// Sets LibTorch's intra-op thread count. `requested` <= 0 means the cores
/// the process may run on, divided among `processes_per_machine` processes
/// that share them (at least 1; LibTorch itself starts at 1 in Debian's
/// build). Returns the count in effect.
int configure_threads(int requested = 0, int processes_per_machine = 1);

}  // namespace swinpp

#pragma once

namespace swinpp {

/// Sets LibTorch's intra-op thread count. `requested` <= 0 means every core
/// the process may run on (LibTorch itself starts at 1 in Debian's build).
/// Returns the count in effect.
int configure_threads(int requested = 0);

}  // namespace swinpp

#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace swinpp::dist {

/// How launch_local stops the ranks when one fails.
struct LaunchOptions {
  /// After the first failure the others get SIGTERM, and SIGKILL once this
  /// grace period has passed.
  std::chrono::milliseconds grace = std::chrono::seconds(10);
};

/// A free TCP port on 127.0.0.1 (the kernel's pick; free when this returns,
/// so another process may still take it before it is used).
int find_free_port();

/// Runs `nproc` copies of the program argv[0] (looked up in PATH) with
/// arguments argv[1..] on this machine, as torchrun --standalone would:
/// each gets RANK = LOCAL_RANK = its index, WORLD_SIZE = LOCAL_WORLD_SIZE =
/// nproc, MASTER_ADDR = 127.0.0.1, MASTER_PORT and TORCHELASTIC_USE_AGENT_STORE
/// = True on top of this process's environment: this process hosts the
/// rendezvous store at master_port (when 0, the store binds a free port itself,
/// so no other process can take it first) and every rank connects to it as a
/// client, as under torchrun. SIGINT, SIGTERM and SIGHUP
/// received meanwhile are forwarded to every copy, and each copy gets SIGTERM
/// if this process dies. Waits for all of them.
///
/// Returns 0 when every copy exits with 0. When one fails (non-zero exit, or
/// killed by signal s: 128 + s), the others are stopped (SIGTERM, then SIGKILL
/// after options.grace), the failed rank is logged by name, and its code is
/// returned. Call it from the main thread before other threads start: it
/// blocks the forwarded signals in the calling thread only. Throws
/// swinpp::Error when nproc < 1, argv is empty, the port is out of range or
/// taken, or fork fails.
int launch_local(int nproc, const std::vector<std::string>& argv, int master_port,
                 const LaunchOptions& options = {});

}  // namespace swinpp::dist

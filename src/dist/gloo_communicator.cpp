// The Gloo backend: collectives on CPU tensors over TCP. ProcessGroupGloo.hpp
// declares the class only when USE_C10D_GLOO is defined, as in LibTorch's own build.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <signal.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "backend_factories.h"
#include "c10d_communicator.h"
#include "store_connection.h"
#include "swinpp/util/error.h"

namespace swinpp::dist::detail {
namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

/// The network device Gloo binds to: GLOO_SOCKET_IFNAME when set (as in
/// torch.distributed), the loopback address when the whole job runs on this
/// machine, else the address this machine's hostname resolves to.
std::shared_ptr<gloo::transport::Device> gloo_device(const DistEnv& env) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (is_loopback(env.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

/// Gloo writes to its peers' sockets without MSG_NOSIGNAL: once a peer has
/// died, the default SIGPIPE action would kill this process instead of letting
/// the collective fail. Ignore it, as Python does, unless the program has
/// installed a handler of its own.
void ignore_sigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
  }
}

/// Collectives over c10d::ProcessGroupGloo: every one of them is native to
/// the backend, reduce-scatter and the flat all-gather included.
class GlooCommunicator : public C10dCommunicator {
 public:
  GlooCommunicator(c10::intrusive_ptr<c10d::ProcessGroupGloo> group, const DistEnv& env)
      : C10dCommunicator(std::move(group), env, "gloo") {}
};

}  // namespace

std::unique_ptr<Communicator> make_gloo_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout) {
  ignore_sigpipe();
  c10::intrusive_ptr<c10d::Store> store = connect_store(env, timeout);
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  try {
    options->devices.push_back(gloo_device(env));
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw Error("gloo: rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                " could not connect to its peers through " + env.master_addr + ":" +
                std::to_string(env.master_port) + " within " + std::to_string(timeout.count()) +
                " ms: " + error_text(e));
  }
  spdlog::debug("gloo: rank {} of {} connected through {}:{}", env.rank, env.world_size,
                env.master_addr, env.master_port);
  return std::make_unique<GlooCommunicator>(std::move(group), env);
}

}  // namespace swinpp::dist::detail

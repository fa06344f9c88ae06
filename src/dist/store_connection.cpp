#include "store_connection.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <string>

#include "c10d_communicator.h"
#include "swinpp/util/error.h"

namespace swinpp::dist::detail {

c10::intrusive_ptr<c10d::Store> connect_store(const DistEnv& env,
                                              std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(env.master_port);
  options.isServer = env.rank == 0 && !env.agent_store;
  options.numWorkers = static_cast<std::size_t>(env.world_size);
  // As torch.distributed: every rank announces itself and the host waits for all of them.
  options.waitWorkers = true;
  options.timeout = timeout;
  const std::string address = env.master_addr + ":" + std::to_string(env.master_port);
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                (options.isServer ? " could not host" : " could not reach") + " the store at " +
                address + " (MASTER_ADDR:MASTER_PORT) within " + std::to_string(timeout.count()) +
                " ms: " + error_text(e));
  }
  const std::string prefix =
      env.agent_store ? "/worker/attempt_" + std::to_string(env.restart_count) + "/swinpp"
                      : "swinpp";
  return c10::make_intrusive<c10d::PrefixStore>(prefix, store);
}

c10::intrusive_ptr<c10d::TCPStore> host_agent_store(int port) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = true;
  options.waitWorkers = false;  // the ranks connect as clients, whenever they start
  try {
    return c10::make_intrusive<c10d::TCPStore>("0.0.0.0", options);
  } catch (const std::exception& e) {
    throw Error("cannot host the rendezvous store on port " +
                (port == 0 ? std::string("0 (any free port)") : std::to_string(port)) + ": " +
                error_text(e));
  }
}

}  // namespace swinpp::dist::detail

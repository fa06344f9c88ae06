// The TCP key-value store through which the ranks of a job find each other.
#pragma once

#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>

#include "swinpp/dist/rendezvous.h"

namespace swinpp::dist::detail {

/// Connects to the store at env.master_addr:env.master_port. Rank 0 hosts it
/// and waits for the other ranks, unless torchrun's agent hosts it
/// (env.agent_store), when every rank is a client and keys live under
/// "/worker/attempt_<restart_count>/" as torch.distributed does. Throws
/// swinpp::Error naming the address when the store cannot be reached, or the
/// peers do not arrive, within `timeout`.
c10::intrusive_ptr<c10d::Store> connect_store(const DistEnv& env,
                                              std::chrono::milliseconds timeout);

/// Hosts a store server for ranks that connect as clients (DistEnv::agent_store),
/// as torchrun's agent does, listening on every interface at `port`; with port
/// 0 the server binds a port of the kernel's choice, so no other process can
/// take it between its choice and its use (getPort() tells it). Throws
/// swinpp::Error naming the port when it cannot listen.
c10::intrusive_ptr<c10d::TCPStore> host_agent_store(int port);

}  // namespace swinpp::dist::detail

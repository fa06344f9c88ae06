// The TCP key-value store through which the ranks of a job find each other.
#pragma once

#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

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

}  // namespace swinpp::dist::detail

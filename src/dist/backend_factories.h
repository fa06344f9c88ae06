// Constructors of the c10d backends, each compiled only when its library is.
#pragma once

#include <chrono>
#include <memory>

#include "swinpp/dist/communicator.h"
#include "swinpp/dist/rendezvous.h"

namespace swinpp::dist::detail {

#ifdef SWINPP_HAVE_GLOO
/// A GlooCommunicator for `env` (world_size >= 1), over a TCP store.
std::unique_ptr<Communicator> make_gloo_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout);
#endif

#ifdef SWINPP_HAVE_NCCL
/// An NcclCommunicator for `env`, bound to cuda:env.local_rank.
std::unique_ptr<Communicator> make_nccl_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout);
#endif

}  // namespace swinpp::dist::detail

// Constructors of the c10d backends, each compiled only when its library is.
#pragma once

#include <chrono>
#include <memory>

#include "swinpp/dist/communicator.h"
#include "swinpp/dist/rendezvous.h"

namespace swinpp::dist::detail {

/// A GlooCommunicator for `env` (world_size >= 1), over a TCP store.
std::unique_ptr<Communicator> make_gloo_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout);

#ifdef SWINPP_HAVE_NCCL
/// The NCCL library's version, as c10d reports it.
std::string nccl_library_version();

/// An NcclCommunicator for `env`, bound to cuda:env.local_rank.
std::unique_ptr<Communicator> make_nccl_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout);
#endif

}  // namespace swinpp::dist::detail

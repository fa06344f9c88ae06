#include <torch/cuda.h>

#include <string>

#include "backend_factories.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

constexpr bool kGlooCompiled =
#ifdef SWINPP_HAVE_GLOO
    true;
#else
    false;
#endif

constexpr bool kNcclCompiled =
#ifdef SWINPP_HAVE_NCCL
    true;
#else
    false;
#endif

}  // namespace

std::string resolve_backend(const DistEnv& env, const std::string& requested) {
  std::string backend = requested;
  if (requested == "auto") {
    if (env.world_size == 1) {
      backend = "single";
    } else if (kNcclCompiled && torch::cuda::is_available()) {
      backend = "nccl";
    } else {
      backend = "gloo";
    }
  }
  if (backend == "single") {
    if (env.world_size != 1) {
      throw Error("DIST.BACKEND single: expected world_size 1, found " +
                  std::to_string(env.world_size) + " (from " + env.source + ")");
    }
    return backend;
  }
  if (backend == "gloo" || backend == "nccl") {
    const bool compiled = backend == "gloo" ? kGlooCompiled : kNcclCompiled;
    if (!compiled) {
      throw Error("DIST.BACKEND " + backend + ": this build has no " + backend +
                  " support (gloo needs LibTorch's Gloo headers, nccl a CUDA LibTorch and nccl.h)");
    }
    return backend;
  }
  throw Error("DIST.BACKEND: expected auto, gloo, nccl or single, found '" + requested + "'");
}

std::unique_ptr<Communicator> make_communicator(const DistEnv& env, const std::string& requested,
                                                std::chrono::milliseconds timeout) {
  validate_dist_env(env);
  if (timeout.count() <= 0) {
    throw Error("DIST.TIMEOUT_S: expected a positive timeout, found " +
                std::to_string(timeout.count()) + " ms");
  }
  const std::string backend = resolve_backend(env, requested);
  if (backend == "single") {
    return std::make_unique<SingleProcessCommunicator>();
  }
#ifdef SWINPP_HAVE_GLOO
  if (backend == "gloo") {
    return detail::make_gloo_communicator(env, timeout);
  }
#endif
#ifdef SWINPP_HAVE_NCCL
  if (backend == "nccl") {
    return detail::make_nccl_communicator(env, timeout);
  }
#endif
  throw Error("DIST.BACKEND " + backend + ": no constructor for this backend in this build");
}

}  // namespace swinpp::dist

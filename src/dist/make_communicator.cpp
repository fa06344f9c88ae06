#include <torch/cuda.h>

#include <string>

#include "backend_factories.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

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
    if (backend == "nccl" && !kNcclCompiled) {
      throw Error("DIST.BACKEND nccl: this build has no NCCL support (it needs a CUDA LibTorch)");
    }
    return backend;
  }
  throw Error("DIST.BACKEND: expected auto, gloo, nccl or single, found '" + requested + "'");
}

std::string nccl_version() {
#ifdef SWINPP_HAVE_NCCL
  return detail::nccl_library_version();
#else
  return "none";
#endif
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
  if (backend == "gloo") {
    return detail::make_gloo_communicator(env, timeout);
  }
#ifdef SWINPP_HAVE_NCCL
  if (backend == "nccl") {
    return detail::make_nccl_communicator(env, timeout);
  }
#endif
  throw Error("DIST.BACKEND " + backend + ": no constructor for this backend in this build");
}

}  // namespace swinpp::dist

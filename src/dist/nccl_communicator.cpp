// The NCCL backend: collectives on CUDA tensors. ProcessGroupNCCL.hpp declares
// the class only when USE_C10D_NCCL is defined, as in LibTorch's own build.
#ifdef SWINPP_HAVE_NCCL

#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif

#include <torch/csrc/distributed/c10d/NCCLUtils.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include <c10/cuda/CUDAFunctions.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "backend_factories.h"
#include "c10d_communicator.h"
#include "collective_checks.h"
#include "store_connection.h"
#include "swinpp/util/error.h"

namespace swinpp::dist::detail {
namespace {

/// Collectives over c10d::ProcessGroupNCCL. wait() makes the current CUDA
/// stream wait for the collective; it does not block the host.
class NcclCommunicator : public C10dCommunicator {
 public:
  NcclCommunicator(c10::intrusive_ptr<c10d::ProcessGroupNCCL> group, const DistEnv& env)
      : C10dCommunicator(std::move(group), env, "nccl") {}

 protected:
  void check_backend_tensor(const at::Tensor& t, const std::string& op) const override {
    if (!t.is_cuda()) throw Error("nccl " + op + ": expected a CUDA tensor, found " + describe(t));
  }
};

}  // namespace

std::string nccl_library_version() { return c10d::getNcclVersion(); }

std::unique_ptr<Communicator> make_nccl_communicator(const DistEnv& env,
                                                     std::chrono::milliseconds timeout) {
  const int devices = static_cast<int>(c10::cuda::device_count());
  if (env.local_rank >= devices) {
    throw Error("nccl: LOCAL_RANK " + std::to_string(env.local_rank) + " names a GPU, but only " +
                std::to_string(devices) + " are visible");
  }
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(env.local_rank));
  c10::intrusive_ptr<c10d::Store> store = connect_store(env, timeout);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> group;
  try {
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw Error("nccl: rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
                " could not create its process group: " + error_text(e));
  }
  spdlog::debug("nccl: rank {} of {} on cuda:{}", env.rank, env.world_size, env.local_rank);
  return std::make_unique<NcclCommunicator>(std::move(group), env);
}

}  // namespace swinpp::dist::detail

#endif  // SWINPP_HAVE_NCCL

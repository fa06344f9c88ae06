// The Gloo backend: collectives on CPU tensors over TCP. ProcessGroupGloo.hpp
// declares the class only when USE_C10D_GLOO is defined, as in LibTorch's own build.
#ifdef SWINPP_HAVE_GLOO

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
#include "c10d_compat.h"
#include "collective_checks.h"
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

/// Collectives over c10d::ProcessGroupGloo.
class GlooCommunicator : public C10dCommunicator {
 public:
  GlooCommunicator(c10::intrusive_ptr<c10d::ProcessGroupGloo> group, const DistEnv& env)
      : C10dCommunicator(std::move(group), env, "gloo") {}

  void reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) override {
    static_assert(!compat::kGlooHasReduceScatter, "use the native reduce_scatter");
    check_shard_sizes(in, shard, world_size(), "reduce_scatter_sum");
    // Emulated: all-reduce a copy of the whole input, keep this rank's slice.
    // A ring all-reduce sends 2 (w-1)/w of the buffer per rank where a ring
    // reduce-scatter sends (w-1)/w, so this moves twice the bytes of a real
    // reduce-scatter and holds one full-size temporary.
    at::Tensor sum = in.reshape({-1}).clone();  // [world * n]
    run("reduce_scatter_sum", [&] {
      std::vector<at::Tensor> tensors{sum};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      return group().allreduce(tensors, options);
    });
    const int64_t n = shard.numel();
    torch::NoGradGuard no_grad;
    shard.view({-1}).copy_(sum.narrow(0, rank() * n, n));  // [n]
  }

  void all_gather(const at::Tensor& shard, at::Tensor& out) override {
    static_assert(!compat::kGlooHasFlatAllGather, "use the flat all-gather");
    check_shard_sizes(out, shard, world_size(), "all_gather");
    const int64_t n = shard.numel();
    at::Tensor flat_out = out.view({-1});  // [world * n]
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int r = 0; r < world_size(); ++r) {
      outputs[0].push_back(flat_out.narrow(0, r * n, n));  // [n], a view into out
    }
    std::vector<at::Tensor> inputs{shard.reshape({-1})};  // [n]
    run("all_gather", [&] { return group().allgather(outputs, inputs); });
  }
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

#endif  // SWINPP_HAVE_GLOO

// `swinpp --version`: what a user pastes into a bug report.
#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <string>

#include "command_common.h"
#include "swinpp/dist/rendezvous.h"

#ifdef SWINPP_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace swinpp::commands {
namespace {

/// 13000 -> "13.0"; 91900 -> "9.19.0" (cuDNN).
std::string cuda_version(long v) { return fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }
std::string cudnn_version(long v) {
  return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
}

/// One line per visible GPU: index, name, memory, compute capability.
std::string gpus() {
  const auto count = torch::cuda::device_count();
  if (count == 0) return "GPUs:      none visible\n";
  std::string out;
#ifdef SWINPP_WITH_CUDA
  for (int i = 0; i < static_cast<int>(count); ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    out += fmt::format("GPU {}:     {}, {:.0f} GiB, compute capability {}.{}\n", i, prop.name,
                       static_cast<double>(prop.totalGlobalMem) / (1ull << 30), prop.major,
                       prop.minor);
  }
#endif
  return out;
}

}  // namespace

std::string version_report() {
  std::string out = fmt::format("swinpp    {}\nLibTorch  {}\n", SWINPP_VERSION, TORCH_VERSION);
  try {
    // The hooks of LibTorch's CUDA library; a CPU-only LibTorch throws here.
    const auto& cuda = at::detail::getCUDAHooks();
    out += fmt::format("CUDA      {} (built with)\n", cuda_version(cuda.versionCUDART()));
    out += fmt::format("cuDNN     {} (built with)\n", cudnn_version(cuda.versionCuDNN()));
  } catch (const c10::Error&) {
    out += "CUDA      none (CPU-only LibTorch)\n";
  }
  out += fmt::format("NCCL      {}\n", dist::nccl_version());
  out += gpus();
  return out;
}

}  // namespace swinpp::commands

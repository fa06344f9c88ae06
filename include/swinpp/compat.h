// What swinpp needs of its LibTorch that is specific to a version: the
// minimum version itself, and the settings whose API has changed between
// releases (numeric precision of CUDA matmuls, the attention backends).
#pragma once

#include <ATen/Context.h>
#include <torch/version.h>

static_assert(TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 11),
              "swinpp needs LibTorch 2.11 or later");

namespace swinpp::compat {

/// Lets CUDA matmuls and convolutions use TF32 (true) or keeps them in full
/// fp32 (false), through the per-operation precision API of LibTorch 2.9+.
inline void allow_tf32(bool allow) {
  const auto precision = allow ? at::Float32Precision::TF32 : at::Float32Precision::IEEE;
  at::globalContext().setFloat32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL,
                                          precision);
  at::globalContext().setFloat32Precision(at::Float32Backend::CUDA, at::Float32Op::CONV, precision);
}

/// While alive, scaled_dot_product_attention on CUDA may choose only the
/// memory-efficient kernel or, for shapes it cannot take, the math one. Window
/// attention passes a float bias: flash attention takes none, and cuDNN
/// attention with an arbitrary bias has open correctness bugs at sequence
/// length 64 (window 8) in LibTorch 2.11. The previous choice is restored.
class MemoryEfficientAttentionGuard {
 public:
  MemoryEfficientAttentionGuard()
      : flash_(at::globalContext().userEnabledFlashSDP()),
        cudnn_(at::globalContext().userEnabledCuDNNSDP()) {
    at::globalContext().setSDPUseFlash(false);
    at::globalContext().setSDPUseCuDNN(false);
  }
  ~MemoryEfficientAttentionGuard() {
    at::globalContext().setSDPUseFlash(flash_);
    at::globalContext().setSDPUseCuDNN(cudnn_);
  }
  MemoryEfficientAttentionGuard(const MemoryEfficientAttentionGuard&) = delete;
  MemoryEfficientAttentionGuard& operator=(const MemoryEfficientAttentionGuard&) = delete;

 private:
  bool flash_;
  bool cudnn_;
};

}  // namespace swinpp::compat

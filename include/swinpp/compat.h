// Every difference between the LibTorch versions swinpp builds against
// (Debian's 1.13 on the CPU, the PyTorch 2.x wheel with CUDA) lives here.
#pragma once

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#define SWINPP_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||         \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace swinpp::compat {

/// True when this LibTorch has scaled_dot_product_attention with a float mask
/// and an explicit scale (2.1 and later).
constexpr bool kHasSdpa = SWINPP_TORCH_AT_LEAST(2, 1);

// ---- autocast ------------------------------------------------------------

/// Whether autocast is on for `device` (kCPU or kCUDA).
inline bool autocast_enabled(c10::DeviceType device) {
#if SWINPP_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled()
                                        : at::autocast::is_enabled();
#endif
}

/// The dtype autocast casts to on `device`.
inline c10::ScalarType autocast_dtype(c10::DeviceType device) {
#if SWINPP_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype()
                                        : at::autocast::get_autocast_gpu_dtype();
#endif
}

/// Turns autocast on or off for `device`, casting to `dtype`.
inline void set_autocast(c10::DeviceType device, bool enabled, c10::ScalarType dtype) {
#if SWINPP_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CPU) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
}

// ---- matmul precision -------------------------------------------------------

/// Lets CUDA matmuls and convolutions use TF32 (true) or keeps them in full
/// fp32 (false).
inline void allow_tf32(bool allow) {
  at::globalContext().setAllowTF32CuBLAS(allow);
  at::globalContext().setAllowTF32CuDNN(allow);
}

}  // namespace swinpp::compat

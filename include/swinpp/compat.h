// Every difference between the LibTorch versions swinpp builds against
// (Debian's 1.13 on the CPU, the PyTorch 2.x wheel with CUDA) lives here.
#pragma once

#include <torch/version.h>

#define SWINPP_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||         \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace swinpp::compat {

/// True when this LibTorch has scaled_dot_product_attention with a float mask.
constexpr bool kHasSdpa = SWINPP_TORCH_AT_LEAST(2, 0);

}  // namespace swinpp::compat

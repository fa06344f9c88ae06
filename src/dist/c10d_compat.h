// Every difference between the LibTorch versions (Debian's 1.13 on the CPU,
// the PyTorch 2.x wheel with CUDA) that the c10d backends of this area see.
// Only files of src/dist include c10d headers, and only through this one for
// the version-dependent parts.
#pragma once

#include <torch/version.h>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#define SWINPP_C10D_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||        \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#if SWINPP_C10D_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
#endif

namespace swinpp::dist::compat {

#if SWINPP_C10D_AT_LEAST(2, 0)
/// From 2.0 each backend (ProcessGroupGloo, ProcessGroupNCCL) is a c10d::Backend
/// and c10d::ProcessGroup dispatches to them.
using BackendGroup = c10d::Backend;
#else
/// In 1.13 each backend is itself a c10d::ProcessGroup.
using BackendGroup = c10d::ProcessGroup;
#endif

/// ProcessGroupGloo of 1.13 throws on reduce_scatter and on _allgather_base
/// (the flat all-gather); GlooCommunicator emulates the first with an
/// all-reduce and the second with allgather into views of the output. The
/// PyTorch wheels ship no Gloo headers, so the emulation is kept for every
/// version that can build the Gloo backend.
constexpr bool kGlooHasReduceScatter = false;
constexpr bool kGlooHasFlatAllGather = false;

}  // namespace swinpp::dist::compat

#include "device_sync_guard.h"

#ifdef SWINPP_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace swinpp::train {

bool DeviceSyncGuard::supported(const c10::Device& device) {
#ifdef SWINPP_WITH_CUDA
  return device.is_cuda();
#else
  (void)device;
  return false;
#endif
}

DeviceSyncGuard::DeviceSyncGuard(const c10::Device& device) {
#ifdef SWINPP_WITH_CUDA
  if (!device.is_cuda()) return;
  auto& state = c10::cuda::warning_state();
  previous_ = static_cast<int>(state.get_sync_debug_mode());
  state.set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
  active_ = true;
#else
  (void)device;
#endif
}

DeviceSyncGuard::~DeviceSyncGuard() {
#ifdef SWINPP_WITH_CUDA
  if (active_)
    c10::cuda::warning_state().set_sync_debug_mode(
        static_cast<c10::cuda::SyncDebugMode>(previous_));
#endif
}

}  // namespace swinpp::train

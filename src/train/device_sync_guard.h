#pragma once

#include <c10/core/Device.h>

namespace swinpp::train {

/// While alive, makes any operation that waits for `device` throw: CUDA's sync
/// debug mode set to error (c10::cuda::warning_state), restored to what it was
/// when the guard ends. Guards the non-logging training steps under
/// TrainerOptions::forbid_device_syncs. Does nothing for a CPU device.
class DeviceSyncGuard {
 public:
  explicit DeviceSyncGuard(const c10::Device& device);
  ~DeviceSyncGuard();
  DeviceSyncGuard(const DeviceSyncGuard&) = delete;
  DeviceSyncGuard& operator=(const DeviceSyncGuard&) = delete;

  /// Whether this build can forbid syncs on `device` (a CUDA device in a
  /// build with CUDA).
  static bool supported(const c10::Device& device);

 private:
  bool active_ = false;
  int previous_ = 0;  ///< the sync debug mode before the guard
};

}  // namespace swinpp::train

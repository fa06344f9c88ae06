#pragma once

#include <ATen/autocast_mode.h>

#include "swinpp/compat.h"

namespace swinpp::train {

/// Mixed precision for a scope: autocast on `device` to `dtype` while alive,
/// the previous setting restored (and the cast cache cleared) on exit.
/// A disabled guard changes nothing.
class AutocastGuard {
 public:
  AutocastGuard(bool enabled, c10::DeviceType device, c10::ScalarType dtype)
      : active_(enabled), device_(device) {
    if (!active_) return;
    was_enabled_ = compat::autocast_enabled(device);
    was_dtype_ = compat::autocast_dtype(device);
    compat::set_autocast(device, true, dtype);
  }
  ~AutocastGuard() {
    if (!active_) return;
    compat::set_autocast(device_, was_enabled_, was_dtype_);
    if (!was_enabled_) at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_;
  c10::DeviceType device_;
  bool was_enabled_ = false;
  c10::ScalarType was_dtype_ = c10::ScalarType::Float;
};

}  // namespace swinpp::train

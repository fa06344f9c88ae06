#pragma once

#include <ATen/autocast_mode.h>

namespace swinpp::train {

/// Mixed precision for a scope: autocast on `device` to `dtype` while alive,
/// the previous setting restored (and the cast cache cleared) on exit.
/// A disabled guard changes nothing.
class AutocastGuard {
 public:
  AutocastGuard(bool enabled, c10::DeviceType device, c10::ScalarType dtype)
      : active_(enabled), device_(device) {
    if (!active_) return;
    was_enabled_ = at::autocast::is_autocast_enabled(device);
    was_dtype_ = at::autocast::get_autocast_dtype(device);
    at::autocast::set_autocast_enabled(device, true);
    at::autocast::set_autocast_dtype(device, dtype);
  }
  ~AutocastGuard() {
    if (!active_) return;
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, was_dtype_);
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

#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace swinpp {

/// Progress of a long loop: a redrawn bar with rate and ETA on a terminal,
/// plain log lines every `print_every` updates otherwise. Silent when disabled
/// (ranks other than 0).
class Progress {
 public:
  /// `total` steps are expected; `label` prefixes every line.
  Progress(std::string label, int64_t total, int64_t print_every, bool enabled = true);
  /// Reports that `done` of the total are finished; `status` is appended (loss, lr, ...).
  void update(int64_t done, const std::string& status);
  /// Ends the bar's line.
  void finish();
  /// Seconds since construction.
  double elapsed() const;
  /// "1h02m03s" / "4m05s" / "6s".
  static std::string format_duration(double seconds);

 private:
  std::string label_;
  int64_t total_, print_every_, start_done_ = -1;
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace swinpp

#include "swinpp/util/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace swinpp {

Progress::Progress(std::string label, int64_t total, int64_t print_every, bool enabled)
    : label_(std::move(label)),
      total_(total),
      print_every_(print_every > 0 ? print_every : 1),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm%02lds", static_cast<long>(s / 3600),
                  static_cast<long>(s / 60 % 60), static_cast<long>(s % 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", static_cast<long>(s / 60),
                  static_cast<long>(s % 60));
  else
    std::snprintf(buf, sizeof(buf), "%lds", static_cast<long>(s));
  return buf;
}

void Progress::update(int64_t done, const std::string& status) {
  if (!enabled_) return;
  if (start_done_ < 0) start_done_ = done > 0 ? done - 1 : 0;
  const double secs = elapsed();
  const double rate = secs > 0 ? (done - start_done_) / secs : 0.0;
  const std::string eta = rate > 0 ? format_duration((total_ - done) / rate) : "?";
  if (tty_) {
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : 0;
    std::fprintf(stderr, "\r%s [%s%s] %ld/%ld %s eta %s\033[K", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 static_cast<long>(done), static_cast<long>(total_), status.c_str(), eta.c_str());
    std::fflush(stderr);
  } else if (done % print_every_ == 0 || done == total_) {
    spdlog::info("{} {}/{} {} eta {}", label_, done, total_, status, eta);
  }
}

void Progress::finish() {
  if (enabled_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace swinpp

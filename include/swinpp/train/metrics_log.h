#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace swinpp::train {

/// Appends one JSON object per line to RUN_DIR/metrics.jsonl (rank 0 only).
class MetricsLog {
 public:
  /// Opens `path` for appending; a disabled log writes nothing.
  MetricsLog(const std::string& path, bool enabled);
  /// Writes {"event": event, key: value, ...} and flushes.
  void write(const std::string& event, const std::map<std::string, double>& values);
  /// Removes the records of steps after `step`, and a last line cut short: what
  /// a run wrote after its last checkpoint, which the run resuming from that
  /// checkpoint writes again. The file is replaced atomically.
  void drop_after(int64_t step);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace swinpp::train

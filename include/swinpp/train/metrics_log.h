#pragma once

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

 private:
  std::ofstream out_;
};

}  // namespace swinpp::train

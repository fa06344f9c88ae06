#include "swinpp/train/metrics_log.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "swinpp/util/error.h"

namespace swinpp::train {

MetricsLog::MetricsLog(const std::string& path, bool enabled) {
  if (!enabled) return;
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot open the metrics file '" + path + "' for appending");
}

void MetricsLog::write(const std::string& event, const std::map<std::string, double>& values) {
  if (!out_.is_open()) return;
  nlohmann::json line = {{"event", event}};
  for (const auto& [key, value] : values) {
    if (std::isfinite(value))
      line[key] = value;
    else
      line[key] = nullptr;
  }
  out_ << line.dump() << "\n";
  out_.flush();
}

}  // namespace swinpp::train

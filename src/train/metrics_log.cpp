#include "swinpp/train/metrics_log.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/util/error.h"

namespace swinpp::train {

MetricsLog::MetricsLog(const std::string& path, bool enabled) {
  if (!enabled) return;
  path_ = path;
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

void MetricsLog::drop_after(int64_t step) {
  if (!out_.is_open()) return;
  out_.close();
  std::string kept;
  {
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_discarded()) continue;  // cut short by a crash
      if (record.contains("step") && record["step"].is_number() && record["step"] > step) continue;
      kept += line + "\n";
    }
  }
  io::AtomicFileWriter file(path_);
  file.write(kept.data(), kept.size());
  file.commit();
  out_.open(path_, std::ios::app);
  if (!out_) throw Error("cannot open the metrics file '" + path_ + "' for appending");
}

}  // namespace swinpp::train

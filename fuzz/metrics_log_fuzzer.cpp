/// Feeds each input as a run's metrics.jsonl to MetricsLog::drop_after (what a
/// resumed run does with the records written after its checkpoint's step) and to
/// render_metrics_svg (swinpp plot). swinpp::Error is the documented outcome of
/// render_metrics_svg for unreadable JSON or a file without training records.

#include "fuzz_support.h"
#include "swinpp/train/metrics_log.h"
#include "swinpp/train/metrics_plot.h"
#include "swinpp/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = swinpp::fuzz::scratch_dir() / "metrics.jsonl";
  swinpp::fuzz::write_file(path, data, size);
  try {
    (void)swinpp::train::render_metrics_svg(path.string());
  } catch (const swinpp::Error&) {
  }
  swinpp::train::MetricsLog log(path.string(), true);
  log.drop_after(size % 16);
  try {
    (void)swinpp::train::render_metrics_svg(path.string());
  } catch (const swinpp::Error&) {
  }
  return 0;
}

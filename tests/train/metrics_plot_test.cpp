#include <gtest/gtest.h>

#include <fstream>

#include "swinpp/train/metrics_log.h"
#include "swinpp/train/metrics_plot.h"
#include "swinpp/util/error.h"
#include "train_fixture.h"

namespace swinpp::testing {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(MetricsPlot, DrawsTrainingAndValidationCurves) {
  TempDir tmp("swinpp_plot");
  const auto path = (tmp.path / "metrics.jsonl").string();
  {
    train::MetricsLog log(path, true);
    for (int step = 1; step <= 4; ++step)
      log.write("train", {{"step", step}, {"loss", 2.0 / step}, {"lr", 1e-3 * step}});
    log.write("epoch_end", {{"step", 4}, {"val_top1", 50}, {"val_loss", 1.0}});
  }
  const auto svg = train::render_metrics_svg(path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 4);  // loss, lr, val_top1, val_loss
  EXPECT_NE(svg.find("validation accuracy"), std::string::npos);
  EXPECT_NE(svg.find("val_top1"), std::string::npos);
}

TEST(MetricsPlot, MissingOrBrokenFilesAreErrors) {
  TempDir tmp("swinpp_plot_bad");
  EXPECT_THROW(train::render_metrics_svg((tmp.path / "none.jsonl").string()), Error);
  const auto path = (tmp.path / "metrics.jsonl").string();
  std::ofstream(path) << "{\"event\": \"train\", \"loss\": 1}\nnot json\n";
  try {
    train::render_metrics_svg(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(MetricsPlot, FieldsOfAnotherTypeAreSkippedAndNonObjectsAreErrors) {
  TempDir tmp("swinpp_plot_types");
  const auto path = (tmp.path / "metrics.jsonl").string();
  std::ofstream(path) << "{\"event\": \"train\", \"step\": null, \"loss\": 1}\n"
                      << "{\"event\": 3, \"step\": \"2\", \"loss\": null}\n"
                      << "{\"event\": \"train\", \"step\": 3, \"loss\": null, \"lr\": 0.1}\n";
  EXPECT_EQ(count(train::render_metrics_svg(path), "<polyline"), 2);  // loss, lr
  std::ofstream(path, std::ios::app) << "[1, 2]\n";
  try {
    train::render_metrics_svg(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 4 is not a JSON object"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace swinpp::testing

#include "swinpp/train/metrics_plot.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::train {

namespace {
using Series = std::vector<std::pair<double, double>>;  // (step, value)

constexpr int kWidth = 480, kHeight = 260, kMargin = 48;

/// One chart: axes, tick labels at the ends, a polyline per series.
std::string chart(const std::string& title, const std::map<std::string, Series>& series, int x0,
                  int y0) {
  double xmin = 1e300, xmax = -1e300, ymin = 1e300, ymax = -1e300;
  for (const auto& [name, points] : series)
    for (const auto& [x, y] : points) {
      xmin = std::min(xmin, x), xmax = std::max(xmax, x);
      ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
  if (xmax <= xmin) xmax = xmin + 1;
  if (ymax <= ymin) ymax = ymin + 1;
  const int w = kWidth - 2 * kMargin, h = kHeight - 2 * kMargin;
  auto px = [&](double x) { return x0 + kMargin + (x - xmin) / (xmax - xmin) * w; };
  auto py = [&](double y) { return y0 + kMargin + h - (y - ymin) / (ymax - ymin) * h; };
  std::string svg = fmt::format(
      "<text x='{}' y='{}' font-size='14' font-weight='bold'>{}</text>\n"
      "<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n"
      "<text x='{}' y='{}' font-size='11' text-anchor='end'>{:.4g}</text>\n"
      "<text x='{}' y='{}' font-size='11' text-anchor='end'>{:.4g}</text>\n"
      "<text x='{}' y='{}' font-size='11'>step {:.0f}</text>\n"
      "<text x='{}' y='{}' font-size='11' text-anchor='end'>{:.0f}</text>\n",
      x0 + kMargin, y0 + kMargin - 12, title, x0 + kMargin, y0 + kMargin, w, h, x0 + kMargin - 4,
      y0 + kMargin + 4, ymax, x0 + kMargin - 4, y0 + kMargin + h, ymin, x0 + kMargin,
      y0 + kMargin + h + 16, xmin, x0 + kMargin + w, y0 + kMargin + h + 16, xmax);
  const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  int i = 0;
  for (const auto& [name, points] : series) {
    const char* colour = colours[i % 6];
    std::string path;
    for (const auto& [x, y] : points) path += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    svg += fmt::format("<polyline fill='none' stroke='{}' stroke-width='1.5' points='{}'/>\n",
                       colour, path);
    svg += fmt::format("<text x='{}' y='{}' font-size='11' fill='{}' text-anchor='end'>{}</text>\n",
                       x0 + kMargin + w - 4, y0 + kMargin + 14 + 14 * i, colour, name);
    ++i;
  }
  return svg;
}
}  // namespace

std::string render_metrics_svg(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  if (!in) throw Error("cannot open the metrics file '" + metrics_path + "'");
  std::map<std::string, Series> loss, lr, eval_acc, eval_loss;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("'{}' line {} is not JSON: {}", metrics_path, line_no, e.what()));
    }
    if (!j.is_object()) {
      throw Error(fmt::format("'{}' line {} is not a JSON object", metrics_path, line_no));
    }
    // A record's fields are read only when they have the expected type: a
    // non-finite value is written as null (see MetricsLog::write).
    const auto step_field = j.find("step");
    const double step =
        step_field != j.end() && step_field->is_number() ? step_field->get<double>() : 0.0;
    const auto event_field = j.find("event");
    const std::string event = event_field != j.end() && event_field->is_string()
                                  ? event_field->get<std::string>()
                                  : std::string();
    for (const auto& [key, value] : j.items()) {
      if (!value.is_number()) continue;
      const double v = value.get<double>();
      if (event == "train" && key == "loss") loss["train loss"].emplace_back(step, v);
      if (event == "train" && key == "lr") lr["learning rate"].emplace_back(step, v);
      if (event == "epoch_end" && key.find("top") != std::string::npos)
        eval_acc[key].emplace_back(step, v);
      if (event == "epoch_end" && key.find("loss") != std::string::npos)
        eval_loss[key].emplace_back(step, v);
    }
  }
  if (loss.empty()) throw Error("'" + metrics_path + "' holds no training record");
  std::vector<std::pair<std::string, std::map<std::string, Series>>> charts = {
      {"training loss", loss}, {"learning rate", lr}};
  if (!eval_acc.empty()) charts.emplace_back("validation accuracy (%)", eval_acc);
  if (!eval_loss.empty()) charts.emplace_back("validation loss", eval_loss);
  const int rows = static_cast<int>((charts.size() + 1) / 2);
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n",
      2 * kWidth, rows * kHeight);
  for (size_t i = 0; i < charts.size(); ++i)
    svg += chart(charts[i].first, charts[i].second, static_cast<int>(i % 2) * kWidth,
                 static_cast<int>(i / 2) * kHeight);
  return svg + "</svg>\n";
}

}  // namespace swinpp::train

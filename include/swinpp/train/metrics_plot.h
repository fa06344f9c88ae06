#pragma once

#include <string>

namespace swinpp::train {

/// Renders the curves of a run's metrics.jsonl as one SVG document: training
/// loss and learning rate against the step, and every validation metric
/// (val_top1, val_loss, their ema_ variants) against the step of its epoch end.
/// Throws swinpp::Error naming the file when it is missing, unreadable JSON, or
/// holds no training record.
std::string render_metrics_svg(const std::string& metrics_path);

}  // namespace swinpp::train

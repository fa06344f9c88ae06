// swinpp plot: loss, learning-rate and accuracy curves of a run as SVG.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "command_common.h"
#include "swinpp/io/atomic_file_writer.h"
#include "swinpp/train/metrics_plot.h"

namespace swinpp::commands {

void add_plot_command(CLI::App& app) {
  struct Options {
    std::string run_dir, out;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("plot", "Render a run's metrics.jsonl as curves (SVG)");
  cmd->add_option("run_dir", options->run_dir, "run folder holding metrics.jsonl")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out,-o", options->out, "SVG file to write (default RUN_DIR/curves.svg)");
  cmd->callback([options] {
    const auto run = std::filesystem::path(options->run_dir);
    const auto out = options->out.empty() ? (run / "curves.svg").string() : options->out;
    const auto svg = train::render_metrics_svg((run / "metrics.jsonl").string());
    io::AtomicFileWriter writer(out);
    writer.write(svg.data(), svg.size());
    writer.commit();
    spdlog::info("wrote {}", out);
  });
}

}  // namespace swinpp::commands

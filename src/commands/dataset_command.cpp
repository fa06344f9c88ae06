// swinpp make-dataset: a learnable synthetic JPEG ImageFolder.
#include <spdlog/spdlog.h>

#include <memory>

#include "command_common.h"
#include "swinpp/data/synthetic_dataset.h"

namespace swinpp::commands {

void add_dataset_command(CLI::App& app) {
  struct Options {
    std::string out;
    data::SyntheticDatasetOptions d;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "make-dataset", "Write a synthetic JPEG ImageFolder (train/ and val/, one shape per class)");
  cmd->add_option("--out,-o", options->out, "folder to create")->required();
  cmd->add_option("--classes", options->d.classes, "number of classes (default 10)");
  cmd->add_option("--per-class", options->d.per_class, "training images per class (default 100)");
  cmd->add_option("--val-per-class", options->d.val_per_class,
                  "validation images per class (default 20)");
  cmd->add_option("--size", options->d.width, "image side in pixels (default 128)");
  cmd->add_option("--height", options->d.height, "image height when not square");
  cmd->add_option("--seed", options->d.seed, "random seed (default 0)");
  cmd->callback([options, cmd] {
    auto d = options->d;
    if (cmd->count("--height") == 0) d.height = d.width;
    const auto n = data::make_synthetic_dataset(options->out, d);
    spdlog::info("wrote {} images to {}", n, options->out);
  });
}

}  // namespace swinpp::commands

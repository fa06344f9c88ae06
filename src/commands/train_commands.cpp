// swinpp finetune / swinpp pretrain: the training runs.
#include <spdlog/spdlog.h>

#include <memory>

#include "command_common.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/simmim_task.h"
#include "swinpp/train/trainer.h"

namespace swinpp::commands {

namespace {
struct TrainOptions {
  CommonOptions common;
  int64_t max_steps = 0;
};

template <typename Task>
void run_training(const TrainOptions& options) {
  const auto cfg = prepare(options.common);
  train::TrainerOptions t;
  t.max_steps = options.max_steps;
  train::Trainer trainer(cfg, std::make_shared<Task>(cfg), t);
  trainer.fit();
}

template <typename Task>
void add_training_command(CLI::App& app, const std::string& name, const std::string& help) {
  auto options = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand(name, help);
  add_common_options(*cmd, options->common);
  cmd->add_option("--max-steps", options->max_steps,
                  "stop after this many optimizer steps (default: every epoch)");
  cmd->callback([options] { run_training<Task>(*options); });
}
}  // namespace

void add_training_commands(CLI::App& app) {
  add_training_command<train::ClassificationTask>(
      app, "finetune",
      "Supervised training/fine-tuning on DATA.DATA_PATH/train, evaluated on DATA_PATH/val");
  add_training_command<train::SimMIMTask>(
      app, "pretrain", "SimMIM pre-training on the images under DATA.DATA_PATH (labels ignored)");
}

}  // namespace swinpp::commands

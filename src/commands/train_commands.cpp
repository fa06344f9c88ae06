// swinpp finetune / swinpp pretrain: the training runs, on one process or as
// one rank of a data-parallel job (torchrun, srun, swinpp launch).

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
  std::string device = "auto";
  bool forbid_device_syncs = false;
};

template <typename Task>
void run_training(const TrainOptions& options) {
  const auto rank = join_ranks(options.common, options.device);
  train::TrainerOptions t;
  t.max_steps = options.max_steps;
  t.device = rank.device;
  t.communicator = rank.communicator;
  t.forbid_device_syncs = options.forbid_device_syncs;
  train::Trainer trainer(rank.config, std::make_shared<Task>(rank.config), t);
  trainer.fit();
}

template <typename Task>
void add_training_command(CLI::App& app, const std::string& name, const std::string& help) {
  auto options = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand(name, help);
  add_common_options(*cmd, options->common);
  cmd->add_option("--max-steps", options->max_steps,
                  "stop after this many optimizer steps (default: every epoch)");
  cmd->add_option("--device", options->device,
                  "auto (cuda:LOCAL_RANK when CUDA is available, else cpu), cpu, cuda or cuda:N");
  cmd->add_flag("--forbid-device-syncs", options->forbid_device_syncs,
                "debugging, CUDA only: fail when a training step other than a logging or "
                "checkpoint step or the run's first two waits for the GPU (CUDA's sync debug "
                "mode set to error)");
  cmd->footer(
      "Data parallelism: run one process per rank with swinpp launch, torchrun or srun; the ranks "
      "are read from RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT or SLURM_PROCID/"
      "SLURM_NTASKS/SLURM_LOCALID. DATA.BATCH_SIZE is per rank.");
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

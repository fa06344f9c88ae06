// swinpp consolidate: ZeRO optimizer shards of a checkpoint -> one file.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "command_common.h"
#include "swinpp/train/checkpoint.h"

namespace swinpp::commands {

void add_consolidate_command(CLI::App& app) {
  auto folder = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "consolidate",
      "Join the ZeRO optimizer shards of a checkpoint folder (CKPT/optimizer/) into the single "
      "CKPT/optimizer.pt of an ordinary checkpoint; it still resumes at any world size");
  cmd->add_option("checkpoint", *folder, "checkpoint folder, e.g. RUN/checkpoints/ckpt_step_N")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([folder] {
    train::consolidate_checkpoint(*folder);
    spdlog::info("wrote {}/optimizer.pt", *folder);
  });
}

}  // namespace swinpp::commands

// swinpp make-shards: an image folder as WebDataset tar shards.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "command_common.h"
#include "swinpp/data/dataset.h"
#include "swinpp/data/tar_shards.h"

namespace swinpp::commands {

void add_make_shards_command(CLI::App& app) {
  struct Options {
    std::string from, out;
    data::ShardWriterOptions writer;
    bool unlabelled = false;
    bool shuffle = false;
    uint64_t seed = 0;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "make-shards",
      "Write an image folder as WebDataset tar shards (KEY.jpg/.png and KEY.cls per sample)");
  cmd->add_option("--from", options->from,
                  "an ImageFolder (class sub-folders), or with --unlabelled any image folder")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out,-o", options->out, "folder to write the shards into")->required();
  cmd->add_option("--per-shard", options->writer.per_shard, "samples per shard")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--prefix", options->writer.prefix, "shard file names: PREFIX-000000.tar, ...")
      ->capture_default_str();
  cmd->add_flag("--unlabelled", options->unlabelled,
                "every image under --from, without .cls members (SimMIM pre-training data)");
  cmd->add_flag("--shuffle", options->shuffle,
                "shuffle the samples across shards (else the folder's order, class by class)");
  cmd->add_option("--seed", options->seed, "seed of --shuffle")->capture_default_str();
  cmd->callback([options] {
    const auto dataset = data::Dataset::open(options->from, !options->unlabelled);
    auto writer = options->writer;
    if (options->shuffle) writer.shuffle_seed = options->seed;
    const auto shards = data::write_tar_shards(dataset, options->out, writer);
    spdlog::info("wrote {} samples in {} shards to {}", dataset.size(), shards.size(),
                 options->out);
  });
}

}  // namespace swinpp::commands

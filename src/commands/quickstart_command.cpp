// swinpp quickstart: the whole path on generated data, in one command.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "command_common.h"
#include "swinpp/config/config_io.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/classification_task.h"
#include "swinpp/train/simmim_task.h"
#include "swinpp/train/trainer.h"
#include "swinpp/util/error.h"
#include "swinpp/util/progress.h"
#include "swinpp/util/threads.h"

namespace swinpp::commands {

namespace {
namespace fs = std::filesystem;

struct QuickstartOptions {
  std::string pretrain_config = "configs/quickstart/pretrain.yaml";
  std::string finetune_config = "configs/quickstart/finetune.yaml";
  std::string out = "output/quickstart";
  bool scratch = false;
  int threads = 0;
};

config::Config stage_config(const std::string& path, const QuickstartOptions& o,
                            const std::string& data) {
  return config::load_config(path, {"DATA.DATA_PATH", data, "OUTPUT", o.out});
}

double finetune(config::Config c, const std::string& pretrained, const std::string& name) {
  c.model.pretrained = pretrained;
  c.model.name = name;
  train::Trainer trainer(c, std::make_shared<train::ClassificationTask>(c));
  const auto m = trainer.fit();
  const auto it = m.find("val_top1");
  if (it == m.end()) throw Error("fine-tuning produced no validation accuracy");
  return it->second;
}

void run_quickstart(const QuickstartOptions& o) {
  configure_threads(o.threads);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const auto data = (fs::path(o.out) / "data").string();
  if (!fs::exists(fs::path(data) / "train")) {
    data::SyntheticDatasetOptions d;
    d.classes = 10, d.per_class = 100, d.val_per_class = 30, d.width = 64, d.height = 64;
    const auto n = data::make_synthetic_dataset(data, d);
    spdlog::info("generated {} images of {} classes in {}", n, d.classes, data);
  }

  auto pre = stage_config(o.pretrain_config, o, data);
  spdlog::info("== 1/2 SimMIM pre-training ({} epochs)", pre.train.epochs);
  train::Trainer pretrainer(pre, std::make_shared<train::SimMIMTask>(pre));
  pretrainer.fit();
  const auto checkpoint = train::latest_checkpoint(pretrainer.run_dir() + "/checkpoints");
  const double pretrain_s = elapsed();

  auto ft = stage_config(o.finetune_config, o, data);
  spdlog::info("== 2/2 fine-tuning from {}", *checkpoint);
  const double top1 = finetune(ft, *checkpoint, ft.model.name);
  const double total_s = elapsed();
  std::cout << fmt::format(
      "\nquickstart: SimMIM pre-training {} + fine-tuning {}: validation top-1 {:.2f}%\n"
      "  reconstructions: {}/reconstructions\n  metrics: {}/metrics.jsonl\n",
      Progress::format_duration(pretrain_s), Progress::format_duration(total_s - pretrain_s), top1,
      pretrainer.run_dir(), pretrainer.run_dir());
  if (o.scratch) {
    spdlog::info("== fine-tuning from scratch with the same budget");
    const double scratch = finetune(ft, "", ft.model.name + "_scratch");
    std::cout << fmt::format("  from scratch: validation top-1 {:.2f}%\n", scratch);
  }
}
}  // namespace

void add_quickstart_command(CLI::App& app) {
  auto options = std::make_shared<QuickstartOptions>();
  auto* cmd = app.add_subcommand(
      "quickstart",
      "Generate a dataset, pre-train a small SwinV2 with SimMIM, fine-tune it, print accuracy");
  cmd->add_option("--pretrain-config", options->pretrain_config,
                  "pre-training configuration (default configs/quickstart/pretrain.yaml)");
  cmd->add_option("--finetune-config", options->finetune_config,
                  "fine-tuning configuration (default configs/quickstart/finetune.yaml)");
  cmd->add_option("--out,-o", options->out, "output folder (default output/quickstart)");
  cmd->add_flag("--scratch", options->scratch,
                "also fine-tune from scratch with the same budget, for comparison");
  cmd->add_option("--threads", options->threads, "intra-op CPU threads (default: every core)");
  cmd->callback([options] { run_quickstart(*options); });
}

}  // namespace swinpp::commands

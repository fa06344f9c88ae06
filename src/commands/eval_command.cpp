// swinpp eval: loss, top-1 and top-5 of weights on an ImageFolder.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "command_common.h"
#include "swinpp/train/evaluator.h"
#include "swinpp/train/model_factory.h"

namespace swinpp::commands {

namespace {
struct EvalOptions {
  CommonOptions common;
  std::string weights, data;
};

void run_eval(const EvalOptions& options) {
  const auto cfg = prepare(options.common);
  SwinTransformerV2 model(train::swinv2_options(cfg));
  check_loaded_weights(options.weights, train::load_backbone_weights(*model, options.weights));
  const auto folder = !options.data.empty()
                          ? options.data
                          : (std::filesystem::path(cfg.data.data_path) / "val").string();
  auto loader = train::make_eval_loader(cfg, folder);
  const auto r = train::evaluate(*model, *loader);
  std::cout << fmt::format("{}: {} images, loss {:.4f}, top-1 {:.2f}%, top-5 {:.2f}%\n", folder,
                           r.samples, r.loss, r.top1, r.top5);
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Evaluate classification weights on an ImageFolder");
  add_common_options(*cmd, options->common);
  cmd->add_option("--weights,-w", options->weights,
                  "weights: a checkpoint folder, .pth or safetensors")
      ->required();
  cmd->add_option("--data", options->data,
                  "ImageFolder to evaluate on (default: DATA.DATA_PATH/val)");
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace swinpp::commands

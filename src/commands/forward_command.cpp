// swinpp forward: runs a model on a tensor file and writes its outputs, in the
// reference's names and token layout, for comparison with other implementations.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <memory>

#include "command_common.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct ForwardOptions {
  CommonOptions common;
  std::string weights, input, output;
  bool simmim = false;
};

torch::Tensor require(const io::TensorMap& tensors, const std::string& name,
                      const std::string& path) {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw Error("'" + path + "' has no tensor named '" + name + "'");
  return it->second;
}

void add_features(io::TensorMap& out, const SwinV2Features& f) {
  out["features.patch_embed"] = f.patch_embed;
  for (size_t i = 0; i < f.stages.size(); ++i)
    out["features.layers." + std::to_string(i)] = f.stages[i];
}

void run_forward(const ForwardOptions& options) {
  const auto cfg = prepare(options.common);
  const auto inputs = io::load_safetensors(options.input);
  const auto x = require(inputs, "input", options.input).to(torch::kFloat32);  // [B, C, H, W]
  torch::NoGradGuard no_grad;
  io::TensorMap out;
  if (options.simmim) {
    SimMIM model(train::swinv2_options(cfg), train::simmim_options(cfg));
    if (!options.weights.empty())
      log_load_report(options.weights, train::load_simmim_weights(*model, options.weights));
    model->eval();
    const auto mask = require(inputs, "mask", options.input);  // [B, H/p, W/p]
    auto result = model->forward(x, mask, /*collect=*/true);
    out["loss"] = result.loss.reshape({1});
    out["reconstruction"] = result.reconstruction;
    add_features(out, result.features);
  } else {
    SwinTransformerV2 model(train::swinv2_options(cfg));
    if (!options.weights.empty())
      log_load_report(options.weights, train::load_backbone_weights(*model, options.weights));
    model->eval();
    auto f = model->forward_features(x, {}, /*collect=*/true);
    out["output"] = model->forward_head(f.tokens);
    add_features(out, f);
  }
  io::save_safetensors(options.output, out);
  spdlog::info("wrote {} tensors to {}", out.size(), options.output);
}
}  // namespace

void add_forward_command(CLI::App& app) {
  auto options = std::make_shared<ForwardOptions>();
  auto* cmd = app.add_subcommand(
      "forward", "Run the model in eval mode on the tensor 'input' of a safetensors file");
  add_common_options(*cmd, options->common);
  cmd->add_option("--weights,-w", options->weights,
                  "weights: official .pth, official/timm/SimMIM safetensors, swinpp checkpoint");
  cmd->add_option("--input,-i", options->input,
                  "safetensors file with 'input' [B, C, H, W] (and 'mask' with --simmim)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output,-o", options->output,
                  "safetensors file to write: 'output' (logits) or 'loss' and "
                  "'reconstruction', plus 'features.patch_embed' and 'features.layers.I'")
      ->required();
  cmd->add_flag("--simmim", options->simmim,
                "build the SimMIM model (norm-target settings from the config)");
  cmd->callback([options] { run_forward(*options); });
}

}  // namespace swinpp::commands

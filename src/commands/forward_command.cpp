// swinpp forward: runs a model on a tensor file and writes its outputs (and with
// --backward the loss's gradients), in the reference's names and token layout,
// for comparison with other implementations.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <memory>

#include "command_common.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/optim/losses.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct ForwardOptions {
  CommonOptions common;
  std::string weights, input, output;
  bool simmim = false;
  bool backward = false;
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

/// Backpropagates `loss` and adds `grad.<name>` for every parameter that
/// received a gradient (a parameter the loss does not reach has none).
void add_gradients(io::TensorMap& out, torch::nn::Module& model, const torch::Tensor& loss) {
  loss.backward();
  int64_t written = 0;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().grad().defined()) continue;
    out["grad." + p.key()] = p.value().grad();
    ++written;
  }
  spdlog::info("loss {:.8g}; gradients of {} parameters", loss.item<double>(), written);
}

void run_forward(const ForwardOptions& options) {
  const auto cfg = prepare(options.common);
  const auto inputs = io::load_safetensors(options.input);
  const auto x = require(inputs, "input", options.input).to(torch::kFloat32);  // [B, C, H, W]
  // Without --backward nothing records the graph; with it, the model still runs
  // in eval mode (no drop path), as the reference's gradients were taken.
  torch::AutoGradMode grad_mode(options.backward);
  io::TensorMap out;
  if (options.simmim) {
    SimMIM model(train::swinv2_options(cfg), train::simmim_options(cfg));
    if (!options.weights.empty())
      check_loaded_weights(options.weights, train::load_simmim_weights(*model, options.weights));
    model->eval();
    const auto mask = require(inputs, "mask", options.input);  // [B, H/p, W/p]
    auto result = model->forward(x, mask, /*collect=*/true);
    out["loss"] = result.loss.reshape({1});
    out["reconstruction"] = result.reconstruction;
    add_features(out, result.features);
    if (options.backward) add_gradients(out, *model, result.loss);
  } else {
    SwinTransformerV2 model(train::swinv2_options(cfg));
    if (!options.weights.empty())
      check_loaded_weights(options.weights, train::load_backbone_weights(*model, options.weights));
    model->eval();
    auto f = model->forward_features(x, {}, /*collect=*/true);
    const auto logits = model->forward_head(f.tokens);  // [B, classes]
    out["output"] = logits;
    add_features(out, f);
    if (options.backward) {
      const auto target = require(inputs, "target", options.input);  // [B] class indices
      const int64_t classes = logits.size(1);
      if (target.dim() != 1 || target.size(0) != logits.size(0) || target.is_floating_point() ||
          target.lt(0).any().item<bool>() || target.ge(classes).any().item<bool>())
        throw Error("'" + options.input + "': 'target' must hold " +
                    std::to_string(logits.size(0)) + " integer class indices in [0, " +
                    std::to_string(classes) + "), got " + c10::str(target.sizes()) + " " +
                    std::string(c10::toString(target.scalar_type())) + " values");
      const auto loss = optim::cross_entropy(logits, target.to(torch::kLong));
      out["loss"] = loss.reshape({1});
      add_gradients(out, *model, loss);
    }
  }
  for (auto& [name, tensor] : out) tensor = tensor.detach();  // outputs leave the graph
  io::save_safetensors(options.output, out);
  spdlog::info("wrote {} tensors to {}", out.size(), options.output);
}
}  // namespace

void add_forward_command(CLI::App& app) {
  auto options = std::make_shared<ForwardOptions>();
  auto* cmd =
      app.add_subcommand("forward",
                         "Run the model in eval mode on the tensor 'input' of a safetensors file "
                         "(with --backward also the loss's gradients)");
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
  cmd->add_flag("--backward", options->backward,
                "also write 'loss' and 'grad.<parameter name>' for every parameter: "
                "cross-entropy against the input file's 'target' [B] class indices, "
                "or with --simmim the SimMIM loss");
  cmd->callback([options] { run_forward(*options); });
}

}  // namespace swinpp::commands

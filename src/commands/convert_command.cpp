// swinpp convert: between official .pth, official safetensors and timm safetensors.
#include <spdlog/spdlog.h>

#include <memory>

#include "command_common.h"
#include "swinpp/io/checkpoint_layout.h"
#include "swinpp/io/checkpoint_tensors.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct ConvertOptions {
  std::string input, output, to = "official";
  bool keep_simmim = false;
};

void run_convert(const ConvertOptions& options) {
  const auto tensors = io::load_checkpoint_tensors(options.input);
  const auto from = io::detect_layout(tensors);
  io::TensorMap out;
  if (from == io::Layout::simmim && options.keep_simmim) {
    out = io::rename_legacy_keys(tensors);
  } else {
    out = io::normalize_to_official(tensors);
    if (options.to == "timm") out = io::to_timm(out);
  }
  io::save_safetensors(options.output, out, {{"format", "pt"}, {"layout", options.to}});
  spdlog::info("converted {} ({} layout, {} tensors) to {} ({} layout, {} tensors)", options.input,
               io::to_string(from), tensors.size(), options.output, options.to, out.size());
}
}  // namespace

void add_convert_command(CLI::App& app) {
  auto options = std::make_shared<ConvertOptions>();
  auto* cmd = app.add_subcommand(
      "convert", "Convert weights between .pth, official and timm layouts (writes safetensors)");
  cmd->add_option("input", options->input, "official .pth, or official/timm/SimMIM safetensors")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("output", options->output, "safetensors file to write")->required();
  cmd->add_option("--to", options->to, "layout of the output: official (default) or timm")
      ->check(CLI::IsMember({"official", "timm"}));
  cmd->add_flag("--keep-simmim", options->keep_simmim,
                "keep a SimMIM checkpoint whole (encoder and decoder) instead of its encoder");
  cmd->callback([options] { run_convert(*options); });
}

}  // namespace swinpp::commands

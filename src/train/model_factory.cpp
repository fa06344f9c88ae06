#include "swinpp/train/model_factory.h"

#include <torch/torch.h>

#include <filesystem>

#include "swinpp/io/checkpoint_layout.h"
#include "swinpp/io/checkpoint_tensors.h"

namespace swinpp::train {

SwinV2Options swinv2_options(const config::Config& c) {
  const auto& s = c.model.swinv2;
  SwinV2Options o;
  o.img_size = c.data.img_size;
  o.patch_size = s.patch_size;
  o.in_chans = s.in_chans;
  o.num_classes = c.model.num_classes;
  o.embed_dim = s.embed_dim;
  o.depths = s.depths;
  o.num_heads = s.num_heads;
  o.window_size = s.window_size;
  o.mlp_ratio = s.mlp_ratio;
  o.qkv_bias = s.qkv_bias;
  o.ape = s.ape;
  o.patch_norm = s.patch_norm;
  o.drop_rate = c.model.drop_rate;
  o.drop_path_rate = c.model.drop_path_rate;
  o.pretrained_window_sizes = s.pretrained_window_sizes;
  o.extra_norm_period = s.extra_norm_period;
  o.checkpoint_stages = c.train.checkpoint_stages;
  o.sequential_attention_windows = s.sequential_attention_windows;
  return o;
}

SimMIMOptions simmim_options(const config::Config& c) {
  SimMIMOptions o;
  o.norm_target = c.model.simmim.norm_target.enable;
  o.norm_target_patch = c.model.simmim.norm_target.patch_size;
  return o;
}

namespace {
/// A swinpp checkpoint folder stands for its model.safetensors.
io::TensorMap load_weights(const std::string& path) {
  const auto folder = std::filesystem::path(path);
  if (std::filesystem::is_directory(folder))
    return io::load_checkpoint_tensors((folder / "model.safetensors").string());
  return io::load_checkpoint_tensors(path);
}
}  // namespace

io::LoadReport load_backbone_weights(SwinTransformerV2Impl& model, const std::string& path) {
  auto tensors = io::normalize_to_official(load_weights(path));
  io::LoadOptions options;
  options.skip_mismatched = true;
  auto report = io::load_state_dict(model, tensors, options);
  model.reset_buffers();
  return report;
}

SwinTransformerV2 rebuild_swinv2(const SwinTransformerV2Impl& model, const SwinV2Options& options) {
  SwinTransformerV2 rebuilt(options);
  io::load_state_dict(*rebuilt, io::state_dict_of(model), io::LoadOptions{/*strict=*/true, false});
  rebuilt->train(model.is_training());
  return rebuilt;
}

io::LoadReport load_simmim_weights(SimMIMImpl& model, const std::string& path) {
  auto tensors = load_weights(path);
  io::LoadReport report;
  if (io::detect_layout(tensors) == io::Layout::simmim) {
    report = io::load_state_dict(model, io::rename_legacy_keys(tensors));
  } else {
    report = io::load_state_dict(*model.encoder(), io::normalize_to_official(tensors));
  }
  model.encoder()->reset_buffers();
  return report;
}

}  // namespace swinpp::train

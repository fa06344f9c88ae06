#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace swinpp::config {

/// MODEL.SWINV2: the SwinV2 backbone (Liu et al. 2022).
struct SwinV2Config {
  /// MODEL.SWINV2.PATCH_SIZE: side of one patch-embedding patch, in pixels.
  int64_t patch_size = 4;
  /// MODEL.SWINV2.IN_CHANS: input image channels.
  int64_t in_chans = 3;
  /// MODEL.SWINV2.EMBED_DIM: channels C of stage 0; stage i has C * 2^i.
  int64_t embed_dim = 96;
  /// MODEL.SWINV2.DEPTHS: blocks per stage.
  std::vector<int64_t> depths = {2, 2, 6, 2};
  /// MODEL.SWINV2.NUM_HEADS: attention heads per stage.
  std::vector<int64_t> num_heads = {3, 6, 12, 24};
  /// MODEL.SWINV2.WINDOW_SIZE: attention window side, in tokens.
  int64_t window_size = 7;
  /// MODEL.SWINV2.MLP_RATIO: MLP hidden channels over block channels.
  double mlp_ratio = 4.0;
  /// MODEL.SWINV2.QKV_BIAS: learn q and v biases (k never has one).
  bool qkv_bias = true;
  /// MODEL.SWINV2.APE: add an absolute position embedding after patch embedding.
  bool ape = false;
  /// MODEL.SWINV2.PATCH_NORM: LayerNorm after patch embedding.
  bool patch_norm = true;
  /// MODEL.SWINV2.PRETRAINED_WINDOW_SIZES: per stage, the window the weights were
  /// trained with (scales the log-spaced coordinates); 0 = the current window.
  std::vector<int64_t> pretrained_window_sizes = {0, 0, 0, 0};
  /// MODEL.SWINV2.EXTRA_NORM_PERIOD (swinpp): an extra LayerNorm on the main branch
  /// after every N blocks, as in the paper's H and G models (N = 6); 0 = none.
  int64_t extra_norm_period = 0;
  /// MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS (swinpp): attend over at most this many
  /// windows at a time to bound peak memory (the paper's sequential self-attention);
  /// 0 = every window at once.
  int64_t sequential_attention_windows = 0;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(patch_size, in_chans, embed_dim, depths, num_heads, window_size, mlp_ratio,
                    qkv_bias, ape, patch_norm, pretrained_window_sizes, extra_norm_period,
                    sequential_attention_windows);
  }
};

/// MODEL.SIMMIM.NORM_TARGET: per-pixel normalisation of the SimMIM target.
struct NormTargetConfig {
  /// MODEL.SIMMIM.NORM_TARGET.ENABLE: normalise the target by its local mean/variance.
  bool enable = false;
  /// MODEL.SIMMIM.NORM_TARGET.PATCH_SIZE: odd side of the averaging window, in pixels.
  int64_t patch_size = 47;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(enable, patch_size); }
};

/// MODEL.SIMMIM: settings of SimMIM pre-training (Xie et al. 2022).
struct SimMIMConfig {
  /// MODEL.SIMMIM.NORM_TARGET.
  NormTargetConfig norm_target;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(norm_target); }
};

/// MODEL: the network and its regularisation.
struct ModelConfig {
  /// MODEL.TYPE: architecture family; swinpp builds "swinv2".
  std::string type = "swinv2";
  /// MODEL.NAME: run name, also a folder under OUTPUT.
  std::string name = "swinv2_tiny_patch4_window7_224";
  /// MODEL.PRETRAINED: checkpoint to initialise from ('' = none).
  std::string pretrained;
  /// MODEL.RESUME: checkpoint to resume training from ('' = none).
  std::string resume;
  /// MODEL.NUM_CLASSES: classifier outputs.
  int64_t num_classes = 1000;
  /// MODEL.DROP_RATE: dropout after attention and MLP projections, in [0, 1).
  double drop_rate = 0.0;
  /// MODEL.DROP_PATH_RATE: stochastic depth of the last block, in [0, 1).
  double drop_path_rate = 0.1;
  /// MODEL.LABEL_SMOOTHING: smoothing of the class targets (mixed ones too), in [0, 1).
  double label_smoothing = 0.1;
  /// MODEL.SWINV2.
  SwinV2Config swinv2;
  /// MODEL.SIMMIM.
  SimMIMConfig simmim;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(type, name, pretrained, resume, num_classes, drop_rate, drop_path_rate,
                    label_smoothing, swinv2, simmim);
  }
};

/// True when every field is equal.
inline bool operator==(const SwinV2Config& a, const SwinV2Config& b) {
  return a.fields() == b.fields();
}
/// True when every field is equal.
inline bool operator==(const NormTargetConfig& a, const NormTargetConfig& b) {
  return a.fields() == b.fields();
}
/// True when every field is equal.
inline bool operator==(const SimMIMConfig& a, const SimMIMConfig& b) {
  return a.fields() == b.fields();
}
/// True when every field is equal.
inline bool operator==(const ModelConfig& a, const ModelConfig& b) {
  return a.fields() == b.fields();
}
/// True when any field differs.
inline bool operator!=(const ModelConfig& a, const ModelConfig& b) { return !(a == b); }

}  // namespace swinpp::config

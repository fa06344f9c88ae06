#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swinpp {

/// Hyper-parameters of a SwinV2 backbone (Liu et al. 2022), named after the
/// official MODEL.SWINV2 keys.
struct SwinV2Options {
  int64_t img_size = 256;                                       ///< DATA.IMG_SIZE (square)
  int64_t patch_size = 4;                                       ///< PATCH_SIZE
  int64_t in_chans = 3;                                         ///< IN_CHANS
  int64_t num_classes = 1000;                                   ///< 0: no head (SimMIM encoder)
  int64_t embed_dim = 96;                                       ///< EMBED_DIM, C of stage 0
  std::vector<int64_t> depths = {2, 2, 6, 2};                   ///< blocks per stage
  std::vector<int64_t> num_heads = {3, 6, 12, 24};              ///< heads per stage
  int64_t window_size = 8;                                      ///< WINDOW_SIZE
  double mlp_ratio = 4.0;                                       ///< MLP hidden = ratio * C
  bool qkv_bias = true;                                         ///< q_bias and v_bias
  bool ape = false;                                             ///< absolute position embedding
  bool patch_norm = true;                                       ///< LayerNorm after patch embed
  double drop_rate = 0.0;                                       ///< dropout after MLP/proj
  double attn_drop_rate = 0.0;                                  ///< dropout on attention weights
  double drop_path_rate = 0.1;                                  ///< stochastic depth, linear ramp
  std::vector<int64_t> pretrained_window_sizes = {0, 0, 0, 0};  ///< per stage, 0 = none
  /// An extra LayerNorm on the main branch after every N-th block (0 = off;
  /// the paper's SwinV2-H/G use 6).
  int64_t extra_norm_period = 0;
  /// Activation checkpointing of every block, per stage (TRAIN.USE_CHECKPOINT);
  /// empty = none. It applies while training with gradients on.
  std::vector<bool> checkpoint_stages;
  /// Window attention over at most this many windows at a time (SwinV2 §3.5,
  /// sequential self-attention); 0 = all windows at once.
  int64_t sequential_attention_windows = 0;

  /// Throws swinpp::Error naming the field when the options are inconsistent.
  void validate() const;
  /// Number of stages (depths.size()).
  int64_t num_stages() const { return static_cast<int64_t>(depths.size()); }
  /// Channels after the last stage: embed_dim * 2^(stages-1).
  int64_t num_features() const { return embed_dim << (num_stages() - 1); }
};

/// The official variants: "tiny", "small", "base", "large", "huge", "giant"
/// (also "T", "S", "B", "L", "H", "G"). Window and image size keep their defaults.
SwinV2Options swinv2_variant(const std::string& name);

}  // namespace swinpp

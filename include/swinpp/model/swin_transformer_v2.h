#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "swinpp/model/patch_embed.h"
#include "swinpp/model/swin_stage.h"
#include "swinpp/model/swinv2_options.h"

namespace swinpp {

/// What one pass through the backbone produced besides its final tokens.
struct SwinV2Features {
  torch::Tensor patch_embed;          ///< [B, L0, C] patch tokens after the patch norm
  std::vector<torch::Tensor> stages;  ///< per stage, after its PatchMerging: [B, Li, Ci]
  std::vector<torch::Tensor> maps;    ///< per stage, before downsampling: [B, Ci, Hi, Wi]
  torch::Tensor tokens;               ///< final normalised tokens [B, L, 8C]
  int64_t H = 0, W = 0;               ///< grid of `tokens`
};

/// Swin Transformer V2 (Liu et al., CVPR 2022). Parameter and buffer names are
/// the reference's state-dict keys, so released checkpoints load one to one.
class SwinTransformerV2Impl : public torch::nn::Module {
 public:
  explicit SwinTransformerV2Impl(const SwinV2Options& options);

  /// x: [B, in_chans, H, W], any H and W. Returns logits [B, num_classes], or
  /// the pooled features [B, 8C] when num_classes == 0.
  torch::Tensor forward(const torch::Tensor& x);

  /// The backbone. `mask` ([B, H/p, W/p], 1 = masked) replaces masked patch
  /// tokens by `mask_token` (SimMIM; needs add_mask_token()). With `collect`,
  /// the per-stage outputs and NCHW maps are filled in as well.
  SwinV2Features forward_features(const torch::Tensor& x, const torch::Tensor& mask = {},
                                  bool collect = false);

  /// Pools final tokens [B, L, 8C] to [B, 8C] and applies the head.
  torch::Tensor forward_head(const torch::Tensor& tokens);

  /// Registers the SimMIM `mask_token` [1, 1, C] (trunc-normal 0.02).
  void add_mask_token();
  bool has_mask_token() const { return mask_token_.defined(); }

  /// Recomputes every derived buffer (position tables, shift masks), e.g. after loading.
  void reset_buffers();

  /// The stages, in order.
  std::vector<SwinStage> stages() const;

  SwinV2Options options;

 private:
  void init_weights();

  PatchEmbed patch_embed_{nullptr};
  torch::Tensor absolute_pos_embed_, mask_token_;
  torch::nn::Dropout pos_drop_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(SwinTransformerV2);

}  // namespace swinpp

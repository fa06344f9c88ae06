#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "swinpp/model/patch_embed.h"
#include "swinpp/model/swin_block.h"

namespace swinpp {

/// One stage of SwinV2 (the reference's BasicLayer): `blocks`, alternating
/// plain and shifted windows, then an optional `downsample` (PatchMerging V2).
class SwinStageImpl : public torch::nn::Module {
 public:
  /// `block_options[j]` configures block j; `downsample` adds PatchMerging at the
  /// end; `checkpoint` runs every block through activation checkpointing.
  SwinStageImpl(const std::vector<SwinBlockOptions>& block_options, bool downsample,
                bool checkpoint = false);

  /// x: [B, H*W, C]. Returns the blocks' output [B, H*W, C] (before downsampling).
  /// With checkpointing on, in training and with gradients on, each block keeps
  /// only its input and is recomputed in backward (see activation_checkpoint).
  torch::Tensor forward_blocks(torch::Tensor x, int64_t H, int64_t W);
  /// x: [B, H*W, C] -> [B, H'*W', 2C], updating H, W; the identity without downsampling.
  torch::Tensor forward_downsample(const torch::Tensor& x, int64_t& H, int64_t& W);
  /// Blocks then downsampling; updates H, W to the output grid.
  torch::Tensor forward(const torch::Tensor& x, int64_t& H, int64_t& W);

  bool has_downsample() const { return !downsample_.is_empty(); }
  /// Whether the blocks run through activation checkpointing (when training).
  bool checkpoint() const { return checkpoint_; }
  /// Turns activation checkpointing of the blocks on or off.
  void set_checkpoint(bool enabled) { checkpoint_ = enabled; }
  /// The blocks, in order.
  std::vector<SwinBlock> blocks() const;

 private:
  torch::nn::ModuleList blocks_{nullptr};
  PatchMerging downsample_{nullptr};
  bool checkpoint_ = false;
};
TORCH_MODULE(SwinStage);

}  // namespace swinpp

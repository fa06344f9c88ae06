#include "swinpp/model/swin_stage.h"

#include <torch/torch.h>

#include "swinpp/model/activation_checkpoint.h"

namespace swinpp {

SwinStageImpl::SwinStageImpl(const std::vector<SwinBlockOptions>& block_options, bool downsample,
                             bool checkpoint)
    : checkpoint_(checkpoint) {
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (const auto& o : block_options) blocks_->push_back(SwinBlock(o));
  if (downsample)
    downsample_ = register_module("downsample", PatchMerging(block_options.front().dim()));
}

std::vector<SwinBlock> SwinStageImpl::blocks() const {
  std::vector<SwinBlock> out;
  for (const auto& m : *blocks_) out.emplace_back(std::dynamic_pointer_cast<SwinBlockImpl>(m));
  return out;
}

torch::Tensor SwinStageImpl::forward_blocks(torch::Tensor x, int64_t H, int64_t W) {
  const bool recompute = checkpoint_ && is_training() && torch::GradMode::is_enabled();
  for (const auto& m : *blocks_) {
    auto block = std::dynamic_pointer_cast<SwinBlockImpl>(m);
    if (recompute)
      x = activation_checkpoint(
          [block, H, W](const torch::Tensor& t) { return block->forward(t, H, W); }, x);
    else
      x = block->forward(x, H, W);  // [B, H*W, C]
  }
  return x;
}

torch::Tensor SwinStageImpl::forward_downsample(const torch::Tensor& x, int64_t& H, int64_t& W) {
  if (!downsample_) return x;
  auto y = downsample_->forward(x, H, W);
  H = (H + 1) / 2;
  W = (W + 1) / 2;
  return y;
}

torch::Tensor SwinStageImpl::forward(const torch::Tensor& x, int64_t& H, int64_t& W) {
  return forward_downsample(forward_blocks(x, H, W), H, W);
}

}  // namespace swinpp

#include "swinpp/model/swin_stage.h"

#include <torch/torch.h>

namespace swinpp {

SwinStageImpl::SwinStageImpl(const std::vector<SwinBlockOptions>& block_options, bool downsample) {
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
  for (const auto& m : *blocks_) x = m->as<SwinBlockImpl>()->forward(x, H, W);
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

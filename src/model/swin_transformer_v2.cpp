#include "swinpp/model/swin_transformer_v2.h"

#include <torch/torch.h>

#include "swinpp/model/init.h"
#include "swinpp/model/non_finite_trace.h"

namespace swinpp {

SwinTransformerV2Impl::SwinTransformerV2Impl(const SwinV2Options& o) : options(o) {
  o.validate();
  const int64_t grid = o.img_size / o.patch_size;
  patch_embed_ = register_module("patch_embed",
                                 PatchEmbed(o.patch_size, o.in_chans, o.embed_dim, o.patch_norm));
  if (o.ape)
    absolute_pos_embed_ =
        register_parameter("absolute_pos_embed", torch::zeros({1, grid * grid, o.embed_dim}));
  pos_drop_ = register_module("pos_drop", torch::nn::Dropout(o.drop_rate));

  int64_t total_blocks = 0;
  for (auto d : o.depths) total_blocks += d;
  auto dpr = torch::linspace(0, o.drop_path_rate, total_blocks);
  layers_ = register_module("layers", torch::nn::ModuleList());
  int64_t block_index = 0;
  for (int64_t i = 0; i < o.num_stages(); ++i) {
    const int64_t dim = o.embed_dim << i, res = grid >> i;
    std::vector<SwinBlockOptions> blocks;
    for (int64_t j = 0; j < o.depths[i]; ++j, ++block_index) {
      const bool extra_norm =
          o.extra_norm_period > 0 && (block_index + 1) % o.extra_norm_period == 0;
      blocks.push_back(SwinBlockOptions(dim, o.num_heads[i], res, res)
                           .window(o.window_size)
                           .shifted(j % 2 == 1)
                           .pretrained_window(o.pretrained_window_sizes[i])
                           .mlp_ratio(o.mlp_ratio)
                           .qkv_bias(o.qkv_bias)
                           .drop(o.drop_rate)
                           .attn_drop(o.attn_drop_rate)
                           .drop_path(dpr[block_index].item<double>())
                           .extra_norm(extra_norm)
                           .sequential_windows(o.sequential_attention_windows));
    }
    const bool checkpoint = !o.checkpoint_stages.empty() && o.checkpoint_stages[i];
    layers_->push_back(SwinStage(blocks, i < o.num_stages() - 1, checkpoint));
  }
  norm_ = register_module("norm",
                          torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.num_features()})));
  if (o.num_classes > 0)
    head_ = register_module("head", torch::nn::Linear(o.num_features(), o.num_classes));
  init_weights();
}

void SwinTransformerV2Impl::init_weights() {
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::LinearImpl>()) {
      trunc_normal_(linear->weight, 0.02);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* ln = m->as<torch::nn::LayerNormImpl>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
  if (absolute_pos_embed_.defined()) trunc_normal_(absolute_pos_embed_, 0.02);
  // Residual post-norm starts every block as the identity.
  for (auto& item : named_parameters()) {
    const auto& name = item.key();
    if (name.find(".norm1.") != std::string::npos || name.find(".norm2.") != std::string::npos)
      item.value().zero_();
  }
}

void SwinTransformerV2Impl::add_mask_token() {
  TORCH_CHECK(!mask_token_.defined(), "SwinTransformerV2: mask_token already added");
  mask_token_ = register_parameter("mask_token", torch::zeros({1, 1, options.embed_dim}));
  trunc_normal_(mask_token_, 0.02);
}

void SwinTransformerV2Impl::reset_buffers() {
  for (auto& stage : stages())
    for (auto& block : stage->blocks()) block->reset_buffers();
}

std::vector<SwinStage> SwinTransformerV2Impl::stages() const {
  std::vector<SwinStage> out;
  for (const auto& m : *layers_) out.emplace_back(std::dynamic_pointer_cast<SwinStageImpl>(m));
  return out;
}

SwinV2Features SwinTransformerV2Impl::forward_features(const torch::Tensor& x,
                                                       const torch::Tensor& mask, bool collect) {
  SwinV2Features f;
  int64_t H = 0, W = 0;
  auto t = patch_embed_->forward(x, H, W);  // [B, L, C]
  if (collect) f.patch_embed = t;
  if (mask.defined()) {
    TORCH_CHECK(mask_token_.defined(), "SwinTransformerV2: a mask needs add_mask_token()");
    TORCH_CHECK(
        mask.dim() == 3 && mask.size(0) == t.size(0) && mask.size(1) * mask.size(2) == H * W,
        "SwinTransformerV2: mask ", mask.sizes(), " does not match the ", H, "x", W, " patch grid");
    auto w = mask.flatten(1).unsqueeze(-1).to(t.dtype());  // [B, L, 1]
    t = t * (1.0 - w) + mask_token_.expand({t.size(0), t.size(1), -1}) * w;
  }
  if (absolute_pos_embed_.defined()) {
    TORCH_CHECK(t.size(1) == absolute_pos_embed_.size(1),
                "SwinTransformerV2: absolute position embedding is for ",
                absolute_pos_embed_.size(1), " tokens, got ", t.size(1));
    t = t + absolute_pos_embed_;
  }
  t = pos_drop_->forward(t);
  for (auto& stage : stages()) {
    t = stage->forward_blocks(t, H, W);  // [B, H*W, Ci]
    if (collect) f.maps.push_back(t.transpose(1, 2).reshape({t.size(0), t.size(2), H, W}));
    t = stage->forward_downsample(t, H, W);
    if (collect) f.stages.push_back(t);
  }
  f.tokens = trace_non_finite(*norm_, t, norm_->forward(t));
  f.H = H;
  f.W = W;
  return f;
}

torch::Tensor SwinTransformerV2Impl::forward_head(const torch::Tensor& tokens) {
  auto pooled = tokens.mean(1);  // [B, 8C]
  return head_ ? trace_non_finite(*head_, pooled, head_->forward(pooled)) : pooled;
}

torch::Tensor SwinTransformerV2Impl::forward(const torch::Tensor& x) {
  return forward_head(forward_features(x).tokens);
}

}  // namespace swinpp

#include "swinpp/model/patch_embed.h"

#include <torch/torch.h>

#include "swinpp/model/non_finite_trace.h"

namespace swinpp {

namespace F = torch::nn::functional;

PatchEmbedImpl::PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim, bool norm)
    : patch_size_(patch_size) {
  proj_ = register_module(
      "proj", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(in_chans, embed_dim, patch_size).stride(patch_size)));
  if (norm)
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({embed_dim})));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x, int64_t& Hp, int64_t& Wp) {
  TORCH_CHECK(x.dim() == 4, "PatchEmbed: expected an image batch [B, C, H, W], got ", x.sizes());
  const int64_t p = patch_size_, H = x.size(2), W = x.size(3);
  auto img = x;
  const int64_t pad_h = (p - H % p) % p, pad_w = (p - W % p) % p;
  if (pad_h || pad_w) img = F::pad(x, F::PadFuncOptions({0, pad_w, 0, pad_h}));
  auto y = trace_non_finite(*proj_, img, proj_->forward(img));  // [B, C, Hp, Wp]
  Hp = y.size(2);
  Wp = y.size(3);
  y = y.flatten(2).transpose(1, 2);  // [B, Hp*Wp, C]
  if (norm_) y = trace_non_finite(*norm_, y, norm_->forward(y));
  return trace_non_finite(*this, x, y);
}

PatchMergingImpl::PatchMergingImpl(int64_t dim) {
  reduction_ = register_module(
      "reduction", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2 * dim})));
}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor& x, int64_t H, int64_t W) {
  const int64_t B = x.size(0), C = x.size(2);
  TORCH_CHECK(x.size(1) == H * W, "PatchMerging: got ", x.size(1), " tokens for a ", H, "x", W,
              " map");
  auto h = x.view({B, H, W, C});
  if (H % 2 || W % 2) h = F::pad(h, F::PadFuncOptions({0, 0, 0, W % 2, 0, H % 2}));
  const int64_t Hh = (H + 1) / 2, Wh = (W + 1) / 2;
  // The reference's cat of x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2] and
  // x[1::2, 1::2] as one copy: row parity minor, column parity major.
  auto merged = h.view({B, Hh, 2, Wh, 2, C})
                    .permute({0, 1, 3, 4, 2, 5})
                    .reshape({B, Hh * Wh, 4 * C});  // [B, H*W/4, 4C]
  auto reduced = trace_non_finite(*reduction_, merged, at::linear(merged, reduction_->weight));
  auto out = trace_non_finite(*norm_, reduced, norm_->forward(reduced));  // [B, H*W/4, 2C]
  return trace_non_finite(*this, x, out);
}

}  // namespace swinpp

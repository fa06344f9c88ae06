#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace swinpp {

/// Image to patch tokens: Conv2d(in, C, k=p, s=p), flatten, LayerNorm(C).
/// Images whose sides are not multiples of p are zero-padded on the bottom/right.
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim, bool norm);
  /// x: [B, in, H, W]. Returns tokens [B, Hp*Wp, C] and sets Hp, Wp (the token grid).
  torch::Tensor forward(const torch::Tensor& x, int64_t& Hp, int64_t& Wp);

 private:
  int64_t patch_size_;
  torch::nn::Conv2d proj_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchEmbed);

/// PatchMerging V2: concatenates each 2x2 neighbourhood (4C), reduces it to 2C
/// with `reduction` (no bias), then normalises with `norm` (V1 normalised first).
class PatchMergingImpl : public torch::nn::Module {
 public:
  explicit PatchMergingImpl(int64_t dim);
  /// x: [B, H*W, C]. Returns [B, ceil(H/2)*ceil(W/2), 2C]; odd sides are zero-padded.
  torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W);

 private:
  torch::nn::Linear reduction_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(PatchMerging);

}  // namespace swinpp

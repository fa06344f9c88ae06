#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <utility>

#include "swinpp/model/drop_path.h"
#include "swinpp/model/mlp.h"
#include "swinpp/model/window_attention.h"

namespace swinpp {

/// Options of one SwinV2 block at a given feature-map resolution.
struct SwinBlockOptions {
  SwinBlockOptions(int64_t dim, int64_t heads, int64_t H, int64_t W)
      : dim_(dim), heads_(heads), H_(H), W_(W) {}
  TORCH_ARG(int64_t, dim);
  TORCH_ARG(int64_t, heads);
  /// Feature-map size the block is built for (sets window clipping and the
  /// registered shift mask; other sizes are padded at run time).
  TORCH_ARG(int64_t, H);
  TORCH_ARG(int64_t, W);
  TORCH_ARG(int64_t, window) = 8;
  TORCH_ARG(bool, shifted) = false;
  TORCH_ARG(int64_t, pretrained_window) = 0;
  TORCH_ARG(double, mlp_ratio) = 4.0;
  TORCH_ARG(bool, qkv_bias) = true;
  TORCH_ARG(double, drop) = 0.0;
  TORCH_ARG(double, attn_drop) = 0.0;
  TORCH_ARG(double, drop_path) = 0.0;
  /// Adds `extra_norm`, a LayerNorm on the main branch after the block (SwinV2-H/G).
  TORCH_ARG(bool, extra_norm) = false;
  /// Attention over at most this many windows at a time (0 = all at once).
  TORCH_ARG(int64_t, sequential_windows) = 0;
};

/// A SwinV2 block with residual post-norm:
///   x = x + drop_path(norm1(attn(x)));  x = x + drop_path(norm2(mlp(x))).
/// Odd blocks shift the windows by window/2; when the map is no larger than the
/// window, the window is clipped to the map and nothing shifts.
class SwinBlockImpl : public torch::nn::Module {
 public:
  explicit SwinBlockImpl(const SwinBlockOptions& options);

  /// x: [B, H*W, C] for an H x W map. Returns [B, H*W, C].
  torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W);

  /// The window side after clipping and the shift in effect.
  int64_t window() const { return window_; }
  int64_t shift() const { return shift_; }
  /// Recomputes the derived buffers (attention tables, shift mask).
  void reset_buffers();

  SwinBlockOptions options;

 private:
  torch::Tensor mask_for(int64_t Hp, int64_t Wp, const torch::Device& device);
  /// Shifted blocks: shifted_window_order for an Hp x Wp map and its inverse,
  /// [Hp*Wp] int64 each on `device`, made once per size.
  const std::pair<torch::Tensor, torch::Tensor>& window_order_for(int64_t Hp, int64_t Wp,
                                                                  const torch::Device& device);

  int64_t window_, shift_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr}, extra_norm_{nullptr};
  WindowAttention attn_{nullptr};
  Mlp mlp_{nullptr};
  DropPath drop_path_{nullptr};
  torch::Tensor attn_mask_;
  std::map<std::pair<int64_t, int64_t>, torch::Tensor> mask_cache_;
  std::map<std::pair<int64_t, int64_t>, std::pair<torch::Tensor, torch::Tensor>> order_cache_;
};
TORCH_MODULE(SwinBlock);

}  // namespace swinpp

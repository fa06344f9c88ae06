#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace swinpp {

/// Options of one SwinV2 window attention (Liu et al. 2022, §3.2-3.3).
struct WindowAttentionOptions {
  WindowAttentionOptions(int64_t dim, int64_t heads, int64_t window)
      : dim_(dim), heads_(heads), window_(window) {}
  TORCH_ARG(int64_t, dim);
  TORCH_ARG(int64_t, heads);
  /// Square window side after clipping to the feature map.
  TORCH_ARG(int64_t, window);
  /// Window of the checkpoint being transferred (0 = same as `window`).
  TORCH_ARG(int64_t, pretrained_window) = 0;
  TORCH_ARG(bool, qkv_bias) = true;
  TORCH_ARG(double, attn_drop) = 0.0;
  TORCH_ARG(double, proj_drop) = 0.0;
  /// Sequential attention (SwinV2 §3.5): at most this many windows at a time,
  /// bounding the [windows, heads, N, N] attention matrix; 0 = all at once.
  TORCH_ARG(int64_t, sequential_windows) = 0;
  /// Fused attention: scaled_dot_product_attention on L2-normalised q (times
  /// the clamped logit scale) and k with scale 1 and the position bias plus
  /// shift mask as additive float mask, so that the memory-efficient kernels
  /// take it (on CUDA the memory-efficient backend is pinned). The default;
  /// false computes the attention matrix explicitly (the reference).
  TORCH_ARG(bool, fused) = true;
};

/// Scaled cosine attention with a log-spaced continuous position bias.
/// Parameters and buffers carry the reference's names: qkv, q_bias, v_bias,
/// logit_scale, cpb_mlp, proj, relative_coords_table, relative_position_index.
class WindowAttentionImpl : public torch::nn::Module {
 public:
  explicit WindowAttentionImpl(const WindowAttentionOptions& options);

  /// x: [B*nW, N, C]; mask: [nW, N, N] or undefined, window j of x taking mask
  /// j mod nW. Returns [B*nW, N, C]. With `sequential_windows`, the windows are
  /// processed in consecutive chunks; the result is the same (dropout aside,
  /// whose draws follow the chunks).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  /// The position bias of every head for every (query, key) pair: 16 *
  /// sigmoid(cpb_mlp(table)) gathered to [heads, N, N].
  torch::Tensor position_bias();

  /// Recomputes the two derived buffers from the options (after a load).
  void reset_buffers();

  WindowAttentionOptions options;

 private:
  /// Attention of all windows of x: [B_, N, C] at once; mask: [nW, N, N] with
  /// B_ a multiple of nW, or undefined; position: position_bias() [heads, N, N].
  /// Returns [B_, N, C].
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& mask,
                       const torch::Tensor& position);

  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::nn::Sequential cpb_mlp_{nullptr};
  torch::nn::Dropout attn_drop_{nullptr}, proj_drop_{nullptr};
  torch::Tensor logit_scale_, q_bias_, v_bias_;
  torch::Tensor relative_coords_table_, relative_position_index_;
};
TORCH_MODULE(WindowAttention);

}  // namespace swinpp

#include "swinpp/model/swin_block.h"

#include <torch/torch.h>

#include <algorithm>

#include "swinpp/model/non_finite_trace.h"
#include "swinpp/model/token_permutation.h"
#include "swinpp/model/window_geometry.h"

namespace swinpp {

namespace F = torch::nn::functional;

namespace {
int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
}  // namespace

SwinBlockImpl::SwinBlockImpl(const SwinBlockOptions& o) : options(o) {
  window_ = o.window();
  shift_ = o.shifted() ? o.window() / 2 : 0;
  if (std::min(o.H(), o.W()) <= window_) {
    window_ = std::min(o.H(), o.W());
    shift_ = 0;
  }
  const int64_t dim = o.dim();
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  attn_ = register_module("attn", WindowAttention(WindowAttentionOptions(dim, o.heads(), window_)
                                                      .pretrained_window(o.pretrained_window())
                                                      .qkv_bias(o.qkv_bias())
                                                      .attn_drop(o.attn_drop())
                                                      .proj_drop(o.drop())
                                                      .sequential_windows(o.sequential_windows())));
  drop_path_ = register_module("drop_path", DropPath(o.drop_path()));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  mlp_ = register_module("mlp", Mlp(dim, static_cast<int64_t>(dim * o.mlp_ratio()), o.drop()));
  if (o.extra_norm())
    extra_norm_ =
        register_module("extra_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  if (shift_ > 0)
    attn_mask_ = register_buffer(
        "attn_mask",
        shifted_window_mask(round_up(o.H(), window_), round_up(o.W(), window_), window_, shift_));
}

void SwinBlockImpl::reset_buffers() {
  attn_->reset_buffers();
  mask_cache_.clear();
  order_cache_.clear();
  if (attn_mask_.defined()) {
    torch::NoGradGuard no_grad;
    const auto& o = options;
    attn_mask_.set_(
        shifted_window_mask(round_up(o.H(), window_), round_up(o.W(), window_), window_, shift_)
            .to(attn_mask_.device()));
  }
}

torch::Tensor SwinBlockImpl::mask_for(int64_t Hp, int64_t Wp, const torch::Device& device) {
  if (shift_ == 0) return {};
  if (attn_mask_.size(0) == (Hp / window_) * (Wp / window_) &&
      Hp == round_up(options.H(), window_) && Wp == round_up(options.W(), window_))
    return attn_mask_;
  auto& cached = mask_cache_[{Hp, Wp}];
  if (!cached.defined() || cached.device() != device)
    cached = shifted_window_mask(Hp, Wp, window_, shift_).to(device);
  return cached;
}

const std::pair<torch::Tensor, torch::Tensor>& SwinBlockImpl::window_order_for(
    int64_t Hp, int64_t Wp, const torch::Device& device) {
  auto& cached = order_cache_[{Hp, Wp}];
  if (!cached.first.defined() || cached.first.device() != device) {
    const torch::Tensor order = shifted_window_order(Hp, Wp, window_, shift_);  // [Hp*Wp]
    cached = {order.to(device), torch::argsort(order).to(device)};
  }
  return cached;
}

torch::Tensor SwinBlockImpl::forward(const torch::Tensor& x, int64_t H, int64_t W) {
  const int64_t B = x.size(0), C = x.size(2);
  TORCH_CHECK(x.size(1) == H * W, "SwinBlock: got ", x.size(1), " tokens for a ", H, "x", W,
              " map");
  auto shortcut = x;
  auto h = x.view({B, H, W, C});
  const int64_t Hp = round_up(H, window_), Wp = round_up(W, window_);
  if (Hp != H || Wp != W) h = F::pad(h, F::PadFuncOptions({0, 0, 0, Wp - W, 0, Hp - H}));
  const int64_t N = window_ * window_;
  if (shift_ > 0) {
    // Roll and partition as one gather, and back (shifted_window_order).
    const auto& [order, inverse] = window_order_for(Hp, Wp, x.device());
    auto windows = permute_tokens(h.reshape({B, Hp * Wp, C}), order, inverse)
                       .view({-1, N, C});  // [B*nW, N, C]
    windows = attn_->forward(windows, mask_for(Hp, Wp, x.device()));
    h = permute_tokens(windows.reshape({B, Hp * Wp, C}), inverse, order)
            .view({B, Hp, Wp, C});  // [B, Hp, Wp, C]
  } else {
    auto windows = window_partition(h, window_).view({-1, N, C});  // [B*nW, N, C]
    windows = attn_->forward(windows, mask_for(Hp, Wp, x.device()));
    h = window_reverse(windows.view({-1, window_, window_, C}), window_, Hp, Wp);  // [B, Hp, Wp, C]
  }
  if (Hp != H || Wp != W) h = h.slice(1, 0, H).slice(2, 0, W);
  h = h.reshape({B, H * W, C});
  auto out = drop_path_->add_to(shortcut, trace_non_finite(*norm1_, h, norm1_->forward(h)));
  auto m = mlp_->forward(out);
  out = drop_path_->add_to(out, trace_non_finite(*norm2_, m, norm2_->forward(m)));
  if (extra_norm_) out = trace_non_finite(*extra_norm_, out, extra_norm_->forward(out));
  return trace_non_finite(*this, x, out);  // [B, H*W, C]
}

}  // namespace swinpp

#include "swinpp/model/window_attention.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "swinpp/compat.h"
#include "swinpp/model/non_finite_trace.h"
#include "swinpp/model/scaled_normalize.h"
#include "swinpp/model/window_bias.h"
#include "swinpp/model/window_geometry.h"
#include "swinpp/util/error.h"

namespace swinpp {

namespace F = torch::nn::functional;

namespace {

/// Cosine attention through scaled_dot_product_attention. q, k, v: [B_, h, N,
/// d]; logit_scale: [h, 1, 1], already clamped and exponentiated; position:
/// [h, N, N]; mask: [nW, N, N] or undefined. Returns [B_, h, N, d].
torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& logit_scale,
                              const torch::Tensor& position, const torch::Tensor& mask,
                              double dropout) {
  const int64_t B_ = q.size(0);
  const auto dtype = v.scalar_type();
  const auto qn = scaled_normalize(q, logit_scale);  // [B_, h, N, d], q's dtype
  const auto kn = scaled_normalize(k, torch::Tensor());
  const torch::Tensor bias =
      mask.defined() ? expand_window_bias(position.unsqueeze(0) + mask.unsqueeze(1), B_,
                                          dtype)         // [B_, h, N, N]
                     : position.unsqueeze(0).to(dtype);  // [1, h, N, N], broadcast over the windows
  std::optional<compat::MemoryEfficientAttentionGuard> pinned;
  if (q.is_cuda()) pinned.emplace();
  return at::scaled_dot_product_attention(qn, kn, v, bias, dropout, /*is_causal=*/false,
                                          /*scale=*/1.0);
}

}  // namespace

WindowAttentionImpl::WindowAttentionImpl(const WindowAttentionOptions& o) : options(o) {
  const int64_t dim = o.dim(), heads = o.heads();
  logit_scale_ = register_parameter("logit_scale", torch::full({heads, 1, 1}, std::log(10.0)));
  cpb_mlp_ = register_module(
      "cpb_mlp",
      torch::nn::Sequential(torch::nn::Linear(torch::nn::LinearOptions(2, 512)),
                            torch::nn::ReLU(torch::nn::ReLUOptions(true)),
                            torch::nn::Linear(torch::nn::LinearOptions(512, heads).bias(false))));
  relative_coords_table_ = register_buffer(
      "relative_coords_table", relative_coords_table(o.window(), o.pretrained_window()));
  relative_position_index_ =
      register_buffer("relative_position_index", relative_position_index(o.window()));
  qkv_ =
      register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(false)));
  if (o.qkv_bias()) {
    q_bias_ = register_parameter("q_bias", torch::zeros({dim}));
    v_bias_ = register_parameter("v_bias", torch::zeros({dim}));
  }
  attn_drop_ = register_module("attn_drop", torch::nn::Dropout(o.attn_drop()));
  proj_ = register_module("proj", torch::nn::Linear(dim, dim));
  proj_drop_ = register_module("proj_drop", torch::nn::Dropout(o.proj_drop()));
}

void WindowAttentionImpl::reset_buffers() {
  torch::NoGradGuard no_grad;
  const auto device = relative_coords_table_.device();
  relative_coords_table_.set_(
      relative_coords_table(options.window(), options.pretrained_window()).to(device));
  relative_position_index_.set_(relative_position_index(options.window()).to(device));
}

torch::Tensor WindowAttentionImpl::position_bias() {
  const int64_t N = options.window() * options.window();
  // cpb_mlp through at::linear: the first layer's bias added by addmm.
  const auto& fc1 = cpb_mlp_->at<torch::nn::LinearImpl>(0);
  const auto& fc2 = cpb_mlp_->at<torch::nn::LinearImpl>(2);
  auto hidden = at::linear(relative_coords_table_, fc1.weight, fc1.bias).relu_();  // [.., 512]
  auto table = trace_non_finite(*cpb_mlp_, relative_coords_table_, at::linear(hidden, fc2.weight))
                   .view({-1, options.heads()});                         // [(2W-1)^2, h]
  auto bias = table.index_select(0, relative_position_index_.view(-1));  // [N*N, h]
  bias = bias.view({N, N, -1}).permute({2, 0, 1}).contiguous();          // [h, N, N]
  return 16 * torch::sigmoid(bias);
}

torch::Tensor WindowAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t B_ = x.size(0), chunk = options.sequential_windows();
  const auto bias = position_bias();  // [h, N, N]
  if (chunk <= 0 || B_ <= chunk) return trace_non_finite(*this, x, attend(x, mask, bias));
  std::vector<torch::Tensor> outputs;
  for (int64_t start = 0; start < B_; start += chunk) {
    const int64_t end = std::min(B_, start + chunk);
    torch::Tensor chunk_mask;
    if (mask.defined()) {
      auto rows = torch::arange(start, end, mask.options().dtype(torch::kLong));
      chunk_mask = mask.index_select(0, rows.remainder(mask.size(0)));  // [end-start, N, N]
    }
    outputs.push_back(attend(x.slice(0, start, end), chunk_mask, bias));  // [end-start, N, C]
  }
  return trace_non_finite(*this, x, torch::cat(outputs, 0));  // [B_, N, C]
}

torch::Tensor WindowAttentionImpl::attend(const torch::Tensor& x, const torch::Tensor& mask,
                                          const torch::Tensor& position) {
  const int64_t B_ = x.size(0), N = x.size(1), C = x.size(2), h = options.heads();
  torch::Tensor bias;
  if (q_bias_.defined()) bias = torch::cat({q_bias_, torch::zeros_like(v_bias_), v_bias_});
  auto qkv = trace_non_finite(*qkv_, x, at::linear(x, qkv_->weight, bias));  // [B_, N, 3C]
  // Unbound where q, k and v lie side by side in qkv: their gradients are
  // stacked straight into qkv's layout (one write, no zero-filled copies).
  const auto parts = qkv.view({B_, N, 3, h, C / h}).unbind(2);  // 3 x [B_, N, h, d]
  auto q = parts[0].transpose(1, 2), k = parts[1].transpose(1, 2),
       v = parts[2].transpose(1, 2);  // [B_, h, N, d]
  auto logit_scale = torch::clamp(logit_scale_, c10::nullopt, std::log(100.0)).exp();  // [h, 1, 1]
  if (options.fused()) {
    const double dropout = is_training() ? options.attn_drop() : 0.0;
    auto out = fused_attention(q, k, v, logit_scale, position, mask, dropout);  // [B_, h, N, d]
    out = out.transpose(1, 2).reshape({B_, N, C});
    return proj_drop_->forward(
        trace_non_finite(*proj_, out, at::linear(out, proj_->weight, proj_->bias)));
  }
  auto attn = torch::matmul(F::normalize(q, F::NormalizeFuncOptions().dim(-1)),
                            F::normalize(k, F::NormalizeFuncOptions().dim(-1)).transpose(-2, -1));
  attn = attn * logit_scale + position.unsqueeze(0);  // [B_, h, N, N]
  if (mask.defined()) {
    const int64_t nW = mask.size(0);
    attn = attn.view({B_ / nW, nW, h, N, N}) + mask.unsqueeze(1).unsqueeze(0);
    attn = attn.view({-1, h, N, N});
  }
  attn = attn_drop_->forward(torch::softmax(attn, -1));
  auto out = torch::matmul(attn, v).transpose(1, 2).reshape({B_, N, C});  // [B_, N, C]
  return proj_drop_->forward(
      trace_non_finite(*proj_, out, at::linear(out, proj_->weight, proj_->bias)));
}

}  // namespace swinpp

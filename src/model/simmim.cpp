#include "swinpp/model/simmim.h"

#include <torch/torch.h>

#include "swinpp/model/non_finite_trace.h"

namespace swinpp {

namespace F = torch::nn::functional;

std::pair<torch::Tensor, torch::Tensor> simmim_local_stats(const torch::Tensor& x, int64_t patch) {
  TORCH_CHECK(patch % 2 == 1, "SimMIM: NORM_TARGET.PATCH_SIZE must be odd, got ", patch);
  auto pool = [&](const torch::Tensor& t, bool include_pad) {
    return F::avg_pool2d(
        t,
        F::AvgPool2dFuncOptions(patch).stride(1).padding(patch / 2).count_include_pad(include_pad));
  };
  auto mean = pool(x, false);         // [B, C, H, W]
  auto sq_mean = pool(x * x, false);  // [B, C, H, W]
  auto count = pool(torch::ones_like(x), true) * static_cast<double>(patch * patch);
  auto var = (sq_mean - mean * mean) * (count / (count - 1));
  var = torch::clamp(var, 0.0);
  return {mean, torch::sqrt(var + 1e-6)};
}

torch::Tensor simmim_norm_targets(const torch::Tensor& x, int64_t patch) {
  auto [mean, std] = simmim_local_stats(x, patch);
  return (x - mean) / std;
}

SimMIMImpl::SimMIMImpl(SwinV2Options o, const SimMIMOptions& options) : options(options) {
  o.num_classes = 0;
  encoder_ = register_module("encoder", SwinTransformerV2(o));
  encoder_->add_mask_token();
  encoder_stride_ = o.patch_size << (o.num_stages() - 1);
  decoder_ = register_module(
      "decoder", torch::nn::Sequential(
                     torch::nn::Conv2d(torch::nn::Conv2dOptions(
                         o.num_features(), encoder_stride_ * encoder_stride_ * o.in_chans, 1)),
                     torch::nn::PixelShuffle(encoder_stride_)));
}

SimMIMOutput SimMIMImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, bool collect) {
  const auto& eo = encoder_->options;
  TORCH_CHECK(x.size(2) % encoder_stride_ == 0 && x.size(3) % encoder_stride_ == 0,
              "SimMIM: image sides must be multiples of the encoder stride ", encoder_stride_,
              ", got ", x.sizes());
  SimMIMOutput out;
  out.features = encoder_->forward_features(x, mask, collect);
  const auto& t = out.features.tokens;  // [B, L, 8C]
  auto z = t.transpose(1, 2).reshape({t.size(0), t.size(2), out.features.H, out.features.W});
  out.reconstruction = trace_non_finite(*decoder_, z, decoder_->forward(z));  // [B, in, H, W]
  auto pixel_mask = mask.repeat_interleave(eo.patch_size, 1)
                        .repeat_interleave(eo.patch_size, 2)
                        .unsqueeze(1)
                        .to(x.dtype());  // [B, 1, H, W]
  auto target = options.norm_target ? simmim_norm_targets(x, options.norm_target_patch) : x;
  auto l1 = torch::abs(target - out.reconstruction);  // [B, in, H, W]
  out.loss = (l1 * pixel_mask).sum() / (pixel_mask.sum() + 1e-5) / static_cast<double>(eo.in_chans);
  return out;
}

}  // namespace swinpp

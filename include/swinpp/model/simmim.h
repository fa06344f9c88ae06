#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include "swinpp/model/swin_transformer_v2.h"

namespace swinpp {

/// Options of SimMIM's head and loss (MODEL.SIMMIM.NORM_TARGET).
struct SimMIMOptions {
  bool norm_target = false;        ///< regress locally normalised pixels
  int64_t norm_target_patch = 47;  ///< odd side of the normalisation window
};

/// The outputs of one SimMIM pass.
struct SimMIMOutput {
  torch::Tensor loss;            ///< scalar: masked L1 / (mask.sum() + 1e-5) / in_chans
  torch::Tensor reconstruction;  ///< decoder output [B, in_chans, H, W]
  SwinV2Features features;       ///< encoder internals (filled when collected)
};

/// Locally normalised targets: (x - mean) / sqrt(var + 1e-6), mean and unbiased
/// var over a `patch` x `patch` window (stride 1, padding excluded from counts).
/// x: [B, C, H, W]. Returns [B, C, H, W].
torch::Tensor simmim_norm_targets(const torch::Tensor& x, int64_t patch);

/// The local mean and standard deviation that simmim_norm_targets divides by,
/// for mapping a normalised reconstruction back to pixels. Each [B, C, H, W].
std::pair<torch::Tensor, torch::Tensor> simmim_local_stats(const torch::Tensor& x, int64_t patch);

/// SimMIM (Xie et al. 2022) on a SwinV2 encoder: `encoder` (the backbone with
/// `mask_token`, no head) and `decoder` (Conv2d(8C, stride^2 * in, 1) +
/// PixelShuffle(stride)), as in the reference state dict.
class SimMIMImpl : public torch::nn::Module {
 public:
  SimMIMImpl(SwinV2Options encoder_options, const SimMIMOptions& options);

  /// x: [B, in, H, W]; mask: [B, H/p, W/p] (1 = masked). Returns loss and reconstruction.
  SimMIMOutput forward(const torch::Tensor& x, const torch::Tensor& mask, bool collect = false);

  SwinTransformerV2 encoder() const { return encoder_; }
  /// Pixels per side of one encoder output token (patch * 2^(stages-1)).
  int64_t encoder_stride() const { return encoder_stride_; }

  SimMIMOptions options;

 private:
  SwinTransformerV2 encoder_{nullptr};
  torch::nn::Sequential decoder_{nullptr};
  int64_t encoder_stride_;
};
TORCH_MODULE(SimMIM);

}  // namespace swinpp

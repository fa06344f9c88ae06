#pragma once

#include <torch/types.h>

namespace swinpp::optim {

// Classification losses of the fine-tuning recipe. The reference picks
// soft-target cross-entropy when mixup/cutmix is on, label-smoothing
// cross-entropy when only LABEL_SMOOTHING > 0, plain cross-entropy otherwise.
// Half and bfloat16 logits are promoted to float32; each returns a float32
// scalar averaged over the batch. Shape mismatches throw swinpp::Error.

/// logits: [B, K]; target: [B, K] class probabilities (mixup output).
/// Returns mean_b sum_k -target[b,k] * log_softmax(logits)[b,k].
torch::Tensor soft_target_cross_entropy(const torch::Tensor& logits, const torch::Tensor& target);

/// logits: [B, K]; target: [B] int64 class indices; 0 <= smoothing < 1.
/// timm's LabelSmoothingCrossEntropy: with lp = log_softmax(logits),
/// mean_b [(1 - smoothing) * -lp[b, target[b]] + smoothing * -mean_k lp[b, k]].
torch::Tensor label_smoothing_cross_entropy(const torch::Tensor& logits,
                                            const torch::Tensor& target, double smoothing);

/// logits: [B, K]; target: [B] int64 class indices. mean_b -log_softmax(logits)[b, target[b]].
torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace swinpp::optim

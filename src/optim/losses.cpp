#include "swinpp/optim/losses.h"

#include <torch/torch.h>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// log_softmax over classes in float32 at least. logits: [B, K].
torch::Tensor log_probabilities(const torch::Tensor& logits) {
  if (logits.dim() != 2) {
    throw Error("loss: expected logits [B, K], found " + c10::str(logits.sizes()));
  }
  const bool reduced =
      logits.scalar_type() == torch::kHalf || logits.scalar_type() == torch::kBFloat16;
  return torch::log_softmax(reduced ? logits.to(torch::kFloat) : logits, -1);  // [B, K]
}

void check_class_indices(const torch::Tensor& logits, const torch::Tensor& target) {
  if (target.dim() != 1 || target.size(0) != logits.size(0) ||
      target.scalar_type() != torch::kLong) {
    throw Error("loss: expected int64 class indices [" + std::to_string(logits.size(0)) +
                "], found " + std::string(c10::toString(target.scalar_type())) + " " +
                c10::str(target.sizes()));
  }
}

/// -log_softmax at each sample's class. log_probs: [B, K]; target: [B]. Returns [B].
torch::Tensor negative_log_likelihood(const torch::Tensor& log_probs, const torch::Tensor& target) {
  return -log_probs.gather(-1, target.unsqueeze(1)).squeeze(1);  // [B]
}

}  // namespace

torch::Tensor soft_target_cross_entropy(const torch::Tensor& logits, const torch::Tensor& target) {
  const torch::Tensor log_probs = log_probabilities(logits);  // [B, K]
  if (!target.sizes().equals(logits.sizes())) {
    throw Error("soft-target cross-entropy: expected targets " + c10::str(logits.sizes()) +
                " like the logits, found " + c10::str(target.sizes()));
  }
  return torch::sum(-target.to(log_probs.scalar_type()) * log_probs, -1).mean();  // []
}

torch::Tensor label_smoothing_cross_entropy(const torch::Tensor& logits,
                                            const torch::Tensor& target, double smoothing) {
  if (!(smoothing >= 0.0 && smoothing < 1.0)) {
    throw Error("MODEL.LABEL_SMOOTHING: expected a value in [0, 1), found " +
                std::to_string(smoothing));
  }
  const torch::Tensor log_probs = log_probabilities(logits);  // [B, K]
  check_class_indices(logits, target);
  const torch::Tensor nll = negative_log_likelihood(log_probs, target);  // [B]
  const torch::Tensor smooth = -log_probs.mean(-1);                      // [B]
  return ((1.0 - smoothing) * nll + smoothing * smooth).mean();          // []
}

torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& target) {
  const torch::Tensor log_probs = log_probabilities(logits);  // [B, K]
  check_class_indices(logits, target);
  return negative_log_likelihood(log_probs, target).mean();  // []
}

}  // namespace swinpp::optim

#include "swinpp/optim/losses.h"

#include <torch/torch.h>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

void check_logits(const torch::Tensor& logits) {
  if (logits.dim() != 2) {
    throw Error("loss: expected logits [B, K], found " + c10::str(logits.sizes()));
  }
}

void check_class_indices(const torch::Tensor& logits, const torch::Tensor& target) {
  if (target.dim() != 1 || target.size(0) != logits.size(0) ||
      target.scalar_type() != torch::kLong) {
    throw Error("loss: expected int64 class indices [" + std::to_string(logits.size(0)) +
                "], found " + std::string(c10::toString(target.scalar_type())) + " " +
                c10::str(target.sizes()));
  }
}

/// LibTorch's cross-entropy (class indices or probabilities) on float32
/// logits at least. logits: [B, K]. Returns [].
torch::Tensor libtorch_cross_entropy(const torch::Tensor& logits, const torch::Tensor& target,
                                     double smoothing) {
  const bool reduced =
      logits.scalar_type() == torch::kHalf || logits.scalar_type() == torch::kBFloat16;
  const torch::Tensor wide = reduced ? logits.to(torch::kFloat) : logits;
  const torch::Tensor t = target.is_floating_point() ? target.to(wide.scalar_type()) : target;
  return torch::nn::functional::cross_entropy(
      wide, t, torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(smoothing));
}

}  // namespace

torch::Tensor soft_target_cross_entropy(const torch::Tensor& logits, const torch::Tensor& target) {
  check_logits(logits);
  if (!target.sizes().equals(logits.sizes())) {
    throw Error("soft-target cross-entropy: expected targets " + c10::str(logits.sizes()) +
                " like the logits, found " + c10::str(target.sizes()));
  }
  return libtorch_cross_entropy(logits, target, 0.0);  // []
}

torch::Tensor label_smoothing_cross_entropy(const torch::Tensor& logits,
                                            const torch::Tensor& target, double smoothing) {
  if (!(smoothing >= 0.0 && smoothing < 1.0)) {
    throw Error("MODEL.LABEL_SMOOTHING: expected a value in [0, 1), found " +
                std::to_string(smoothing));
  }
  check_logits(logits);
  check_class_indices(logits, target);
  return libtorch_cross_entropy(logits, target, smoothing);  // []
}

torch::Tensor cross_entropy(const torch::Tensor& logits, const torch::Tensor& target) {
  check_logits(logits);
  check_class_indices(logits, target);
  return libtorch_cross_entropy(logits, target, 0.0);  // []
}

}  // namespace swinpp::optim

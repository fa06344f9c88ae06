#include "swinpp/optim/losses.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

constexpr int64_t kBatch = 4;
constexpr int64_t kClasses = 5;

torch::Tensor sample_logits() {
  torch::manual_seed(11);
  return torch::randn({kBatch, kClasses}) * 3.0;  // [B, K]
}

/// log_softmax of row b, computed in double from the accessor.
std::vector<double> manual_log_softmax(const torch::Tensor& logits, int64_t b) {
  const auto a = logits.accessor<float, 2>();
  double top = a[b][0];
  for (int64_t k = 1; k < kClasses; ++k) {
    top = std::max(top, static_cast<double>(a[b][k]));
  }
  double total = 0.0;
  for (int64_t k = 0; k < kClasses; ++k) {
    total += std::exp(a[b][k] - top);
  }
  std::vector<double> out(kClasses);
  for (int64_t k = 0; k < kClasses; ++k) {
    out[k] = a[b][k] - top - std::log(total);
  }
  return out;
}

void expect_rel(const torch::Tensor& actual, double expected) {
  EXPECT_EQ(actual.dim(), 0);
  EXPECT_NEAR(actual.item<double>(), expected, 1e-5 * std::abs(expected));
}

TEST(Losses, SoftTargetCrossEntropyMatchesManual) {
  const torch::Tensor logits = sample_logits();
  const torch::Tensor target = torch::softmax(torch::randn({kBatch, kClasses}), -1);
  const auto t = target.accessor<float, 2>();
  double expected = 0.0;
  for (int64_t b = 0; b < kBatch; ++b) {
    const auto lp = manual_log_softmax(logits, b);
    for (int64_t k = 0; k < kClasses; ++k) {
      expected -= t[b][k] * lp[k];
    }
  }
  expect_rel(soft_target_cross_entropy(logits, target), expected / kBatch);
}

TEST(Losses, CrossEntropyMatchesManualAndOneHotSoftTarget) {
  const torch::Tensor logits = sample_logits();
  const torch::Tensor labels = torch::tensor({0, 3, 4, 1}, torch::kLong);
  double expected = 0.0;
  for (int64_t b = 0; b < kBatch; ++b) {
    expected -= manual_log_softmax(logits, b)[labels[b].item<int64_t>()];
  }
  expect_rel(cross_entropy(logits, labels), expected / kBatch);
  const torch::Tensor one_hot = torch::one_hot(labels, kClasses).to(torch::kFloat);
  expect_rel(soft_target_cross_entropy(logits, one_hot), expected / kBatch);
}

TEST(Losses, LabelSmoothingMatchesManual) {
  const torch::Tensor logits = sample_logits();
  const torch::Tensor labels = torch::tensor({2, 2, 0, 4}, torch::kLong);
  const double smoothing = 0.1;
  double expected = 0.0;
  for (int64_t b = 0; b < kBatch; ++b) {
    const auto lp = manual_log_softmax(logits, b);
    double mean = 0.0;
    for (double v : lp) {
      mean += v / kClasses;
    }
    expected += (1 - smoothing) * -lp[labels[b].item<int64_t>()] + smoothing * -mean;
  }
  expect_rel(label_smoothing_cross_entropy(logits, labels, smoothing), expected / kBatch);
  expect_rel(label_smoothing_cross_entropy(logits, labels, 0.0),
             cross_entropy(logits, labels).item<double>());
}

TEST(Losses, ReducedPrecisionLogitsGiveFloatLoss) {
  const torch::Tensor logits = sample_logits();
  const torch::Tensor labels = torch::tensor({0, 1, 2, 3}, torch::kLong);
  const torch::Tensor loss = cross_entropy(logits.to(torch::kBFloat16), labels);
  EXPECT_EQ(loss.scalar_type(), torch::kFloat);
  EXPECT_NEAR(loss.item<double>(), cross_entropy(logits, labels).item<double>(), 0.05);
}

TEST(Losses, RejectsMismatchedShapes) {
  const torch::Tensor logits = sample_logits();
  EXPECT_THROW(soft_target_cross_entropy(logits, torch::zeros({kBatch, kClasses + 1})), Error);
  EXPECT_THROW(cross_entropy(logits, torch::zeros({kBatch + 1}, torch::kLong)), Error);
  EXPECT_THROW(cross_entropy(logits, torch::zeros({kBatch})), Error);
  EXPECT_THROW(cross_entropy(logits.flatten(), torch::zeros({kBatch}, torch::kLong)), Error);
  EXPECT_THROW(label_smoothing_cross_entropy(logits, torch::zeros({kBatch}, torch::kLong), 1.0),
               Error);
}

}  // namespace
}  // namespace swinpp::optim

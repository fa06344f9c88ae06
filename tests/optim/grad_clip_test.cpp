#include "swinpp/optim/grad_clip.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace swinpp::optim {
namespace {

/// Three parameters with known gradients and one without a gradient.
std::vector<torch::Tensor> parameters_with_grads() {
  std::vector<torch::Tensor> params = {
      torch::zeros({2, 2}, torch::requires_grad()), torch::zeros({3}, torch::requires_grad()),
      torch::zeros({1}, torch::requires_grad()), torch::zeros({5}, torch::requires_grad())};
  params[0].mutable_grad() = torch::tensor({1.0f, -2.0f, 0.5f, 3.0f}).reshape({2, 2});
  params[1].mutable_grad() = torch::tensor({-1.5f, 0.25f, 4.0f});
  params[2].mutable_grad() = torch::tensor({2.0f});
  return params;
}

/// sqrt of the sum of squares of every gradient element, in double.
double manual_norm(const std::vector<torch::Tensor>& params) {
  double sum = 0.0;
  for (const torch::Tensor& p : params) {
    if (!p.grad().defined()) {
      continue;
    }
    const torch::Tensor flat = p.grad().flatten();
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double v = flat[i].item<double>();
      sum += v * v;
    }
  }
  return std::sqrt(sum);
}

TEST(GradClip, NormMatchesManualAndClipsToMaxNorm) {
  const auto params = parameters_with_grads();
  const double expected = manual_norm(params);
  EXPECT_NEAR(grad_norm(params).item<double>(), expected, 1e-6 * expected);

  const torch::Tensor before = params[1].grad().clone();
  EXPECT_NEAR(clip_grad_norm(params, 1.0).item<double>(), expected, 1e-6 * expected);
  EXPECT_NEAR(manual_norm(params), 1.0, 1e-5);
  EXPECT_TRUE(torch::allclose(params[1].grad(), before * (1.0 / (expected + 1e-6))));
}

TEST(GradClip, LeavesSmallGradientsAndDisabledClipping) {
  for (double max_norm : {100.0, 0.0}) {
    const auto params = parameters_with_grads();
    const torch::Tensor before = params[0].grad().clone();
    EXPECT_NEAR(clip_grad_norm(params, max_norm).item<double>(), manual_norm(params), 1e-5);
    EXPECT_TRUE(torch::equal(params[0].grad(), before)) << max_norm;
  }
  EXPECT_EQ(grad_norm({torch::zeros({2}, torch::requires_grad())}).item<double>(), 0.0);
}

TEST(GradClip, ReportsNonFiniteNormsWithoutTouchingGradients) {
  for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")}) {
    auto params = parameters_with_grads();
    params[1].grad()[0] = bad;
    const torch::Tensor before = params[0].grad().clone();
    const double norm = clip_grad_norm(params, 1.0).item<double>();
    EXPECT_FALSE(std::isfinite(norm));
    EXPECT_EQ(std::isnan(norm), std::isnan(bad));
    EXPECT_TRUE(torch::equal(params[0].grad(), before));
  }
}

}  // namespace
}  // namespace swinpp::optim

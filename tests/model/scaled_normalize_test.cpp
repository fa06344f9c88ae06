// scaled_normalize against its composition from ATen operators (F.normalize
// over the last dimension, times the scale), values and gradients, in
// float64, float32 and bfloat16, on rows whose norm is clamped too.
#include "swinpp/model/scaled_normalize.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model_test_support.h"

namespace swinpp {
namespace {

namespace F = torch::nn::functional;

/// The composition the attention used before: normalise, scale.
torch::Tensor composed(const torch::Tensor& x, const torch::Tensor& scale) {
  auto y = F::normalize(x, F::NormalizeFuncOptions().dim(-1));
  return scale.defined() ? y * scale : y;
}

/// x: [B, h, N, d] as the attention sees q, a transposed view of [B, N, h, d],
/// with a zero row and a row below the clamp.
torch::Tensor rows_like_q(c10::ScalarType dtype) {
  auto x = torch::randn({2, 5, 3, 8}, torch::kDouble);  // [B, N, h, d]
  x[0][1][2].zero_();
  x[1][4][0].mul_(1e-14);
  return x.to(dtype).transpose(1, 2);  // [B, h, N, d]
}

TEST(ScaledNormalize, EqualsNormalizeThenScaleWithGradientsInFloat64AndFloat32) {
  for (const auto dtype : {torch::kDouble, torch::kFloat}) {
    torch::manual_seed(0);
    const auto x = rows_like_q(dtype);
    const auto scale = torch::rand({3, 1, 1}, dtype) * 20 + 1;  // [h, 1, 1]
    const auto grad = torch::randn(x.sizes(), dtype);
    for (const bool scaled : {true, false}) {
      const std::string what = std::string(c10::toString(dtype)) + (scaled ? " scaled" : "");
      auto ours_x = x.clone().requires_grad_(), ref_x = x.clone().requires_grad_();
      auto ours_s = scale.clone().requires_grad_(), ref_s = scale.clone().requires_grad_();
      const auto ours = scaled_normalize(ours_x, scaled ? ours_s : torch::Tensor());
      const auto ref = composed(ref_x, scaled ? ref_s : torch::Tensor());
      EXPECT_EQ(ours.scalar_type(), dtype) << what;
      EXPECT_TRUE(ours.is_contiguous()) << what;
      const double tolerance = dtype == torch::kDouble ? 1e-12 : 1e-6;
      testing::expect_close(ours, ref, what + " value", tolerance);
      ours.backward(grad);
      ref.backward(grad);
      testing::expect_close(ours_x.grad(), ref_x.grad(), what + " x gradient", tolerance);
      if (scaled)
        testing::expect_close(ours_s.grad(), ref_s.grad(), what + " scale gradient", tolerance);
    }
  }
}

TEST(ScaledNormalize, RoundsBfloat16OnceFromTheFloat32Result) {
  torch::manual_seed(1);
  const auto x = rows_like_q(torch::kBFloat16);
  const auto scale = torch::rand({3, 1, 1}) * 20 + 1;  // [h, 1, 1] float32, as logit_scale
  const auto grad = torch::randn(x.sizes()).to(torch::kBFloat16);
  auto ours_x = x.clone().requires_grad_(), ref_x = x.to(torch::kFloat).requires_grad_();
  auto ours_s = scale.clone().requires_grad_(), ref_s = scale.clone().requires_grad_();
  const auto ours = scaled_normalize(ours_x, ours_s);
  const auto ref = composed(ref_x, ref_s);  // float32 throughout
  ASSERT_EQ(ours.scalar_type(), torch::kBFloat16);
  // One rounding of the float32 value: within half a bf16 step (2^-9 relative).
  EXPECT_TRUE(torch::allclose(ours.to(torch::kFloat), ref, 1.0 / 256, 1e-30));
  ours.backward(grad);
  ref.backward(grad.to(torch::kFloat));
  ASSERT_EQ(ours_x.grad().scalar_type(), torch::kBFloat16);
  testing::expect_close(ours_x.grad().to(torch::kFloat), ref_x.grad(), "x gradient", 1e-2);
  testing::expect_close(ours_s.grad(), ref_s.grad(), "scale gradient", 1e-2);
}

TEST(ScaledNormalize, KeepsTheInputDtypeUnderAutocast) {
  const auto x = torch::randn({4, 8}).to(torch::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCPU, true);
  const auto y = scaled_normalize(x, torch::full({4, 1}, 3.0));
  at::autocast::set_autocast_enabled(at::kCPU, false);
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
}

TEST(ScaledNormalize, RefusesAScaleThatDoesNotScaleRows) {
  const auto x = torch::randn({2, 3, 4, 8});
  EXPECT_THROW(scaled_normalize(x, torch::ones({3, 1, 8})), c10::Error);
  EXPECT_THROW(scaled_normalize(x, torch::ones({5, 1, 1})), c10::Error);
  EXPECT_THROW(scaled_normalize(torch::ones({2, 3}, torch::kLong), torch::Tensor()), c10::Error);
  EXPECT_NO_THROW(scaled_normalize(x, torch::ones({3, 1, 1})));
}

}  // namespace
}  // namespace swinpp

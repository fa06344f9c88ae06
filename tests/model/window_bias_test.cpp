// The shifted blocks' attention bias for every window: the same values as
// broadcasting the per-image bias and casting, with a gradient summed in the
// bias's own dtype.
#include "swinpp/model/window_bias.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace swinpp {
namespace {

/// The bias the attention used before: broadcast in float32, copied, cast.
torch::Tensor broadcast_then_cast(const torch::Tensor& bias, int64_t windows,
                                  c10::ScalarType dtype) {
  const int64_t nW = bias.size(0), h = bias.size(1), N = bias.size(2);
  return bias.unsqueeze(0)
      .expand({windows / nW, nW, h, N, N})
      .reshape({windows, h, N, N})
      .to(dtype);  // [B_, h, N, N]
}

TEST(WindowBias, EqualsBroadcastingTheImageBiasForwardAndBackward) {
  torch::manual_seed(0);
  const int64_t nW = 4, h = 3, N = 16, windows = 3 * nW;
  for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
    const torch::Tensor base = torch::randn({nW, h, N, N});  // [nW, h, N, N]
    const torch::Tensor grad = torch::randn({windows, h, N, N}).to(dtype);
    auto ours_in = base.clone().requires_grad_();
    auto ref_in = base.clone().requires_grad_();
    const torch::Tensor ours = expand_window_bias(ours_in, windows, dtype);
    const torch::Tensor ref = broadcast_then_cast(ref_in, windows, dtype);
    EXPECT_EQ(ours.scalar_type(), dtype);
    EXPECT_TRUE(ours.is_contiguous());
    EXPECT_TRUE(torch::equal(ours, ref)) << dtype;
    ours.backward(grad);
    ref.backward(grad);
    ASSERT_EQ(ours_in.grad().scalar_type(), torch::kFloat);
    // Both sum the float32 values of the bf16 gradient: the same sums.
    EXPECT_TRUE(torch::allclose(ours_in.grad(), ref_in.grad(), 1e-6, 1e-6)) << dtype;
    const torch::Tensor expected = grad.to(torch::kFloat).view({3, nW, h, N, N}).sum(0);
    EXPECT_TRUE(torch::allclose(ours_in.grad(), expected, 1e-6, 1e-6)) << dtype;
  }
}

TEST(WindowBias, RefusesWindowsThatAreNotWholeImages) {
  const torch::Tensor bias = torch::zeros({4, 2, 9, 9});
  EXPECT_THROW(expand_window_bias(bias, 6, torch::kFloat), c10::Error);
  EXPECT_THROW(expand_window_bias(torch::zeros({4, 9, 9}), 8, torch::kFloat), c10::Error);
}

}  // namespace
}  // namespace swinpp

// LibTorch's fused kernels that swinpp picks on CUDA, each against the path
// it replaces or the CPU: window attention through the memory-efficient SDPA
// backend at window 8 (sequence length 64), q and k normalised in float32 from
// bf16, the window shuffle's gather, and the fused AdamW update. Every
// test skips when no CUDA device is present.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "swinpp/model/scaled_normalize.h"
#include "swinpp/model/token_permutation.h"
#include "swinpp/model/window_attention.h"
#include "swinpp/model/window_geometry.h"
#include "swinpp/optim/fused_adamw.h"
#include "swinpp/train/autocast_guard.h"

namespace swinpp {
namespace {

#define SWINPP_REQUIRE_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

struct AttentionPass {
  torch::Tensor out, input_grad, position_grad;
};

/// Forward and backward of `attn` (fused or explicit) on `x` with `mask`.
AttentionPass attend(WindowAttention& attn, bool fused, const torch::Tensor& x,
                     const torch::Tensor& mask, bool bf16) {
  attn->options.fused(fused);
  attn->zero_grad();
  auto input = x.clone().requires_grad_();
  AttentionPass p;
  {
    train::AutocastGuard autocast(bf16, c10::DeviceType::CUDA, torch::kBFloat16);
    p.out = attn->forward(input, mask).to(torch::kFloat);  // [B*nW, N, C]
  }
  p.out.square().sum().backward();
  p.input_grad = input.grad();
  p.position_grad = attn->named_parameters()["cpb_mlp.0.weight"].grad().clone();
  return p;
}

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

TEST(CudaWindowAttention, MemoryEfficientKernelEqualsTheExplicitPathAtWindow8) {
  SWINPP_REQUIRE_CUDA();
  torch::manual_seed(0);
  WindowAttention attn(WindowAttentionOptions(32, 4, 8));  // dim 32, 4 heads, window 8
  attn->to(torch::kCUDA);
  // 2 images of a 16x16 map: 4 windows of 64 tokens each, shifted by 4.
  const auto mask = shifted_window_mask(16, 16, 8, 4).to(torch::kCUDA);  // [4, 64, 64]
  const auto x = torch::randn({8, 64, 32}, torch::kCUDA);
  for (const bool bf16 : {false, true}) {
    const double tolerance = bf16 ? 3e-2 : 1e-4;
    const auto reference = attend(attn, false, x, mask, bf16);
    const auto fused = attend(attn, true, x, mask, bf16);
    const std::string what = bf16 ? "bf16 autocast " : "fp32 ";
    EXPECT_LT(relative(fused.out, reference.out), tolerance) << what << "output";
    EXPECT_LT(relative(fused.input_grad, reference.input_grad), tolerance) << what << "input grad";
    EXPECT_LT(relative(fused.position_grad, reference.position_grad), tolerance)
        << what << "position-bias MLP grad";
  }
}

TEST(CudaScaledNormalize, EqualsTheFloat64CompositionOnTheCpu) {
  SWINPP_REQUIRE_CUDA();
  torch::manual_seed(2);
  namespace F = torch::nn::functional;
  // q as the attention sees it: [B_, h, N, d], a transposed view of [B_, N, h, d].
  const auto base = torch::randn({16, 64, 4, 32}, torch::kDouble);
  const auto scale = torch::rand({4, 1, 1}, torch::kDouble) * 20 + 1;  // [h, 1, 1]
  const auto grad = torch::randn({16, 4, 64, 32}, torch::kDouble);
  auto ref_x = base.transpose(1, 2).requires_grad_(), ref_s = scale.clone().requires_grad_();
  const auto ref = F::normalize(ref_x, F::NormalizeFuncOptions().dim(-1)) * ref_s;
  ref.backward(grad);
  for (const auto dtype : {torch::kFloat, torch::kBFloat16}) {
    const double tolerance = dtype == torch::kFloat ? 1e-5 : 1e-2;
    auto x = base.to(torch::kCUDA, dtype).transpose(1, 2).detach().requires_grad_();
    auto s = scale.to(torch::kCUDA, torch::kFloat).requires_grad_();
    const auto y = scaled_normalize(x, s);  // [B_, h, N, d], x's dtype
    ASSERT_EQ(y.scalar_type(), dtype);
    y.backward(grad.to(torch::kCUDA, dtype));
    const std::string what = c10::toString(dtype);
    EXPECT_LT(relative(y.cpu().to(torch::kDouble), ref), tolerance) << what << " value";
    EXPECT_LT(relative(x.grad().cpu().to(torch::kDouble), ref_x.grad()), tolerance)
        << what << " x gradient";
    EXPECT_LT(relative(s.grad().cpu().to(torch::kDouble), ref_s.grad()), tolerance)
        << what << " scale gradient";
  }
}

TEST(CudaWindowShuffle, OneGatherEqualsTheCpuRollAndPartitionBothWays) {
  SWINPP_REQUIRE_CUDA();
  // SwinV2-T stage 0 at 256: a 64 x 64 map, window 8, shift 4.
  const auto map = torch::randn({4, 64, 64, 96});  // [B, H, W, C]
  const auto weight = torch::randn({4, 64 * 64, 96});
  const auto order = shifted_window_order(64, 64, 8, 4);
  const auto inverse = torch::argsort(order);
  auto cpu_in = map.reshape({4, 4096, 96}).clone().requires_grad_();
  const auto cpu_out = torch::roll(map, {-4, -4}, {1, 2});
  const auto reference = window_partition(cpu_out, 8).reshape({4, 4096, 96});
  auto gpu_in = cpu_in.detach().to(torch::kCUDA).requires_grad_();
  const auto gpu_out =
      permute_tokens(gpu_in, order.to(torch::kCUDA), inverse.to(torch::kCUDA));  // [B, T, C]
  EXPECT_TRUE(torch::equal(gpu_out.cpu(), reference));
  (gpu_out * weight.to(torch::kCUDA)).sum().backward();
  (permute_tokens(cpu_in, order, inverse) * weight).sum().backward();
  EXPECT_TRUE(torch::equal(gpu_in.grad().cpu(), cpu_in.grad()));
}

TEST(CudaFusedAdamW, EqualsTheCpuUpdate) {
  SWINPP_REQUIRE_CUDA();
  torch::manual_seed(1);
  std::vector<torch::Tensor> cpu, gpu;
  for (int64_t n : {7, 4096, 33}) {
    cpu.push_back(torch::randn({n}).requires_grad_());
    gpu.push_back(cpu.back().detach().to(torch::kCUDA).requires_grad_());
  }
  optim::FusedAdamW on_cpu({{{cpu[0], cpu[1]}, 1e-2, 0.05}, {{cpu[2]}, 5e-3, 0.0}}, 0.9, 0.999,
                           1e-8);
  optim::FusedAdamW on_gpu({{{gpu[0], gpu[1]}, 1e-2, 0.05}, {{gpu[2]}, 5e-3, 0.0}}, 0.9, 0.999,
                           1e-8);
  for (int step = 0; step < 3; ++step) {
    for (size_t i = 0; i < cpu.size(); ++i) {
      cpu[i].mutable_grad() = torch::sin(torch::arange(cpu[i].numel(), torch::kFloat) + step);
      gpu[i].mutable_grad() = cpu[i].grad().to(torch::kCUDA);
    }
    // On CUDA the kernel reads the learning rate from the device copy set_lr fills.
    on_cpu.set_lr(0, 1e-2 / (step + 1));
    on_gpu.set_lr(0, 1e-2 / (step + 1));
    on_cpu.step();
    on_gpu.step();
  }
  for (size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_TRUE(torch::allclose(gpu[i].detach().cpu(), cpu[i].detach(), 1e-5, 1e-6)) << i;
    EXPECT_TRUE(torch::allclose(on_gpu.exp_avg_sq(i).cpu(), on_cpu.exp_avg_sq(i), 1e-5, 1e-9)) << i;
  }
  EXPECT_EQ(on_gpu.step_count(0), 3);
}

}  // namespace
}  // namespace swinpp

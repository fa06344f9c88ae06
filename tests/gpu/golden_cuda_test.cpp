// The golden cases on a CUDA device: fp32 without TF32 (1e-4), with TF32
// (1e-3) and under bfloat16 autocast (1e-2), plus a training step. Every test
// skips when no CUDA device is present.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <limits>
#include <vector>

#include "../golden/golden_case.h"
#include "swinpp/compat.h"
#include "swinpp/io/checkpoint_tensors.h"
#include "swinpp/io/state_dict.h"
#include "swinpp/model/simmim.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/train/autocast_guard.h"

namespace swinpp::testing {
namespace {

#define SWINPP_REQUIRE_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

/// How a case runs on the device, and how close it must come to the reference.
struct Precision {
  const char* name;
  bool tf32;
  bool bf16_autocast;
  double tolerance;
};

const Precision kPrecisions[] = {{"fp32", false, false, 1e-4},
                                 {"tf32", true, false, 1e-3},
                                 {"bf16_autocast", false, true, 1e-2}};

class CudaGolden : public ::testing::TestWithParam<Precision> {
 protected:
  void SetUp() override {
    SWINPP_REQUIRE_CUDA();
    compat::allow_tf32(GetParam().tf32);
  }
  void TearDown() override { compat::allow_tf32(false); }
};

torch::Tensor cuda(const torch::Tensor& t) { return t.to(torch::kCUDA); }

TEST_P(CudaGolden, ClassifierMatchesReference) {
  const auto p = GetParam();
  const auto c = load_golden_case("cls_tiny64");
  SwinTransformerV2 model(c.options);
  io::load_state_dict(*model, io::load_checkpoint_tensors(c.path(".weights.safetensors")));
  model->to(torch::kCUDA);
  model->eval();
  torch::NoGradGuard no_grad;
  train::AutocastGuard autocast(p.bf16_autocast, c10::DeviceType::CUDA, torch::kBFloat16);
  const auto f = model->forward_features(cuda(c.io.at("input")), {}, /*collect=*/true);
  for (size_t i = 0; i < f.stages.size(); ++i) {
    const auto& ref = c.io.at("features.layers." + std::to_string(i));
    EXPECT_LT(relative_error(f.stages[i].to(torch::kFloat32).cpu(), ref), p.tolerance)
        << "stage " << i;
  }
  const auto logits = model->forward_head(f.tokens).to(torch::kFloat32).cpu();
  const double err = relative_error(logits, c.io.at("output"));
  EXPECT_LT(err, p.tolerance);
  RecordProperty("max_relative_error_logits", std::to_string(err));
}

TEST_P(CudaGolden, SimMIMMatchesReference) {
  const auto p = GetParam();
  const auto c = load_golden_case("simmim_tiny64");
  SimMIM model(c.options, c.simmim);
  io::load_state_dict(*model, io::load_checkpoint_tensors(c.path(".weights.safetensors")));
  model->to(torch::kCUDA);
  model->eval();
  torch::NoGradGuard no_grad;
  train::AutocastGuard autocast(p.bf16_autocast, c10::DeviceType::CUDA, torch::kBFloat16);
  const auto out = model->forward(cuda(c.io.at("input")), cuda(c.io.at("mask")));
  EXPECT_LT(relative_error(out.reconstruction.to(torch::kFloat32).cpu(), c.io.at("reconstruction")),
            p.tolerance);
  EXPECT_LT(relative_error(out.loss.to(torch::kFloat32).cpu().reshape({1}), c.io.at("loss")),
            p.tolerance);
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaGolden, ::testing::ValuesIn(kPrecisions),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CudaTraining, Bfloat16StepGivesFiniteGradientsLikeTheCpu) {
  SWINPP_REQUIRE_CUDA();
  const auto c = load_golden_case("simmim_tiny64");
  SimMIM cpu_model(c.options, c.simmim);
  io::load_state_dict(*cpu_model, io::load_checkpoint_tensors(c.path(".weights.safetensors")));
  cpu_model->train();
  cpu_model->forward(c.io.at("input"), c.io.at("mask")).loss.backward();

  SimMIM model(c.options, c.simmim);
  io::load_state_dict(*model, io::load_checkpoint_tensors(c.path(".weights.safetensors")));
  model->to(torch::kCUDA);
  model->train();
  {
    train::AutocastGuard autocast(true, c10::DeviceType::CUDA, torch::kBFloat16);
    model->forward(cuda(c.io.at("input")), cuda(c.io.at("mask"))).loss.backward();
  }
  // bf16 rounds every activation: compare each gradient by its L2 norm,
  // ||ours - cpu|| <= 5% of ||cpu|| (a gradient that is zero on the CPU must
  // stay below 1e-6 on the device).
  const auto cpu_params = cpu_model->named_parameters();
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    const auto grad = item.value().grad().cpu().to(torch::kDouble);
    const auto reference = cpu_params[item.key()].grad().to(torch::kDouble);
    EXPECT_TRUE(torch::isfinite(grad).all().item<bool>()) << item.key();
    const double reference_norm = reference.norm().item<double>();
    const double error = (grad - reference).norm().item<double>();
    if (reference_norm == 0) {
      EXPECT_LT(error, 1e-6) << item.key();
    } else {
      EXPECT_LT(error / reference_norm, 5e-2) << item.key();
    }
  }
}

TEST(CudaLossScaler, FusedUnscaleMatchesTheCpuAndFindsInf) {
  SWINPP_REQUIRE_CUDA();
  std::vector<torch::Tensor> cpu, gpu;
  for (int64_t n : {3, 1000, 17}) {
    auto p = torch::zeros({n}, torch::requires_grad());
    p.mutable_grad() = torch::randn({n}) * 1024;
    cpu.push_back(p);
    auto q = torch::zeros({n}, torch::TensorOptions(torch::kCUDA).requires_grad(true));
    q.mutable_grad() = p.grad().to(torch::kCUDA);
    gpu.push_back(q);
  }
  optim::DynamicLossScaler cpu_scaler, gpu_scaler;
  const auto grads_of = [](const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) grads.push_back(p.grad());
    return grads;
  };
  EXPECT_EQ(cpu_scaler.unscale(grads_of(cpu)).item<float>(), 0.0f);
  const torch::Tensor found_inf = gpu_scaler.unscale(grads_of(gpu));
  EXPECT_TRUE(found_inf.is_cuda());
  EXPECT_EQ(found_inf.item<float>(), 0.0f);
  for (size_t i = 0; i < cpu.size(); ++i)
    EXPECT_TRUE(torch::allclose(gpu[i].grad().cpu(), cpu[i].grad())) << i;
  gpu[1].mutable_grad()[5] = std::numeric_limits<float>::infinity();
  const torch::Tensor overflow = gpu_scaler.unscale(grads_of(gpu));
  EXPECT_EQ(overflow.item<float>(), 1.0f);
  gpu_scaler.update(overflow);
  EXPECT_EQ(gpu_scaler.current_scale(), 32768.0);
}

}  // namespace
}  // namespace swinpp::testing

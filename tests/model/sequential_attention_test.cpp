#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>

#include "model_test_support.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/model/window_attention.h"
#include "swinpp/model/window_geometry.h"
#include "swinpp/util/error.h"

namespace swinpp {
namespace {

using testing::expect_close;
using testing::randomize;

struct Pass {
  torch::Tensor out, input_grad;
  std::map<std::string, torch::Tensor> grads;
};

/// Forward and backward of `attn` on a copy of `x` against fixed output weights.
Pass run(WindowAttention& attn, const torch::Tensor& x, const torch::Tensor& mask,
         const torch::Tensor& weights) {
  attn->zero_grad();
  auto input = x.clone().requires_grad_();
  Pass p;
  p.out = attn->forward(input, mask);  // [B*nW, N, C]
  (p.out * weights).sum().backward();
  p.input_grad = input.grad();
  for (const auto& item : attn->named_parameters())
    p.grads[item.key()] = item.value().grad().clone();  // zero_grad() may zero in place
  return p;
}

TEST(SequentialAttention, ChunksOfWindowsGiveTheBatchedResult) {
  torch::manual_seed(0);
  WindowAttention attn(WindowAttentionOptions(8, 2, 4));
  randomize(*attn);
  // A 2-image batch of an 8x8 map: 4 windows each, the shifted mask [4, 16, 16].
  const auto mask = shifted_window_mask(8, 8, 4, 2);
  const auto x = torch::randn({8, 16, 8});
  const auto weights = torch::randn({8, 16, 8});
  for (const bool masked : {false, true}) {
    const auto m = masked ? mask : torch::Tensor();
    attn->options.sequential_windows(0);
    const auto batched = run(attn, x, m, weights);
    // 3 does not divide the 4 windows of an image: chunks straddle images.
    for (const int64_t chunk : {1, 3, 4, 7, 8, 100}) {
      attn->options.sequential_windows(chunk);
      const auto chunked = run(attn, x, m, weights);
      const std::string what = "chunk " + std::to_string(chunk) + (masked ? " masked" : "");
      expect_close(chunked.out, batched.out, what + " output");
      expect_close(chunked.input_grad, batched.input_grad, what + " input grad");
      for (const auto& [name, grad] : batched.grads)
        expect_close(chunked.grads.at(name), grad, what + " " + name);
    }
  }
  // The mask matters here, so a wrong mask row per window would be caught.
  attn->options.sequential_windows(0);
  EXPECT_GT(
      (run(attn, x, mask, weights).out - run(attn, x, {}, weights).out).abs().max().item<double>(),
      1e-3);
}

SwinV2Options tiny(int64_t sequential_windows) {
  SwinV2Options o;
  o.img_size = 64, o.window_size = 4, o.embed_dim = 16, o.depths = {2, 2, 2, 2};
  o.num_heads = {1, 2, 4, 8}, o.num_classes = 10, o.drop_path_rate = 0.0;
  o.sequential_attention_windows = sequential_windows;
  return o;
}

TEST(SequentialAttention, SwinV2WithSequentialAttentionMatchesTheBatchedModel) {
  torch::manual_seed(0);
  SwinTransformerV2 batched(tiny(0)), sequential(tiny(5));
  // In double precision, so that the different summation order of the chunked
  // weight gradients stays far below the tolerance.
  for (auto* model : {&batched, &sequential}) {
    (*model)->to(torch::kDouble);
    // Module::to(dtype) converts every buffer; the gather index must stay integral.
    for (auto& buffer : (*model)->named_buffers())
      if (buffer.key().find("relative_position_index") != std::string::npos)
        buffer.value().set_data(buffer.value().to(torch::kLong));
  }
  randomize(*batched);
  {
    torch::NoGradGuard no_grad;
    auto src = batched->named_parameters();
    for (auto& item : sequential->named_parameters()) item.value().copy_(src[item.key()]);
  }
  auto modules = sequential->named_modules();
  auto* attn = modules["layers.0.blocks.1.attn"]->as<WindowAttentionImpl>();
  ASSERT_NE(attn, nullptr);
  EXPECT_EQ(attn->options.sequential_windows(), 5);

  const auto images = torch::randn({2, 3, 64, 64}, torch::kDouble);
  const auto target = torch::randn({2, 10}, torch::kDouble);
  auto loss_of = [&](SwinTransformerV2& model) {
    model->zero_grad();
    auto logits = model->forward(images);  // [B, classes]
    (logits * target).sum().backward();
    return logits.detach();
  };
  expect_close(loss_of(sequential), loss_of(batched), "logits");
  auto expected = batched->named_parameters();
  for (const auto& item : sequential->named_parameters())
    expect_close(item.value().grad(), expected[item.key()].grad(), item.key());
}

TEST(SequentialAttention, NegativeWindowCountIsRejected) {
  try {
    SwinTransformerV2 model(tiny(-1));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sequential_attention_windows"), std::string::npos)
        << e.what();
  }
}

/// |a - b| <= 1e-5 * max|b|: fused kernels sum in another order.
void expect_near(const torch::Tensor& a, const torch::Tensor& b, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-5 * b.abs().max().item<double>()) << what;
}

TEST(FusedAttention, EqualsTheExplicitAttention) {
  torch::manual_seed(0);
  WindowAttention attn(WindowAttentionOptions(8, 2, 4));
  randomize(*attn);
  const auto mask = shifted_window_mask(8, 8, 4, 2);  // [4, 16, 16]
  const auto x = torch::randn({8, 16, 8});
  const auto weights = torch::randn({8, 16, 8});
  for (const bool masked : {false, true}) {
    const auto m = masked ? mask : torch::Tensor();
    attn->options.fused(false);
    const auto reference = run(attn, x, m, weights);
    attn->options.fused(true);
    const auto fused = run(attn, x, m, weights);
    const std::string what = masked ? "masked" : "unmasked";
    expect_near(fused.out, reference.out, what + " output");
    expect_near(fused.input_grad, reference.input_grad, what + " input grad");
    for (const auto& [name, grad] : reference.grads)
      expect_near(fused.grads.at(name), grad, what + " " + name);
  }
}

}  // namespace
}  // namespace swinpp

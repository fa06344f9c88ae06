#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model_test_support.h"
#include "swinpp/model/flops.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/util/error.h"

namespace swinpp {
namespace {

using testing::expect_close;
using testing::randomize;

int64_t trainable_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

SwinV2Options tiny(int64_t img = 64) {
  SwinV2Options o;
  o.img_size = img, o.window_size = 4, o.embed_dim = 16, o.depths = {2, 2, 2, 2};
  o.num_heads = {1, 2, 4, 8}, o.num_classes = 10, o.drop_path_rate = 0.0;
  return o;
}

TEST(SwinTransformerV2, ParameterCountsOfOfficialVariants) {
  const std::pair<const char*, int64_t> expected[] = {
      {"tiny", 28347154}, {"small", 49728418}, {"base", 87918816}, {"large", 196739932}};
  for (const auto& [name, count] : expected) {
    auto o = swinv2_variant(name);
    o.img_size = 256, o.window_size = 8;
    SwinTransformerV2 model(o);
    EXPECT_EQ(trainable_parameters(*model), count) << name;
  }
}

TEST(SwinTransformerV2, StateDictNamesFollowTheReference) {
  SwinTransformerV2 model(tiny());
  auto params = model->named_parameters();
  auto buffers = model->named_buffers();
  for (const char* key :
       {"patch_embed.proj.weight", "patch_embed.norm.bias", "layers.0.blocks.0.attn.logit_scale",
        "layers.0.blocks.0.attn.q_bias", "layers.0.blocks.0.attn.cpb_mlp.2.weight",
        "layers.0.blocks.1.mlp.fc2.bias", "layers.2.downsample.reduction.weight", "norm.weight",
        "head.bias"})
    EXPECT_TRUE(params.contains(key)) << key;
  EXPECT_TRUE(buffers.contains("layers.0.blocks.1.attn_mask"));
  EXPECT_TRUE(buffers.contains("layers.1.blocks.0.attn.relative_position_index"));
  EXPECT_FALSE(params.contains("layers.3.downsample.reduction.weight"));
  // Stages 2 and 3 are no larger than the window: no shift, so no mask.
  EXPECT_FALSE(buffers.contains("layers.2.blocks.1.attn_mask"));
}

TEST(SwinTransformerV2, InitialisesLikeTheReference) {
  torch::manual_seed(0);
  SwinTransformerV2 model(swinv2_variant("tiny"));
  auto p = model->named_parameters();
  EXPECT_EQ(p["layers.0.blocks.0.norm1.weight"].abs().sum().item<float>(), 0.f);
  EXPECT_EQ(p["layers.2.blocks.3.norm2.bias"].abs().sum().item<float>(), 0.f);
  EXPECT_NEAR(p["layers.2.blocks.0.attn.logit_scale"][0].item<float>(), std::log(10.f), 1e-6);
  auto w = p["layers.2.blocks.0.mlp.fc1.weight"];
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.001);
  EXPECT_LE(w.abs().max().item<double>(), 2.0);
  EXPECT_EQ(p["layers.2.blocks.0.attn.q_bias"].abs().sum().item<float>(), 0.f);
  EXPECT_EQ(p["norm.weight"].min().item<float>(), 1.f);
}

TEST(SwinTransformerV2, GradientsReachEveryParameter) {
  torch::manual_seed(0);
  SwinTransformerV2 model(tiny());
  randomize(*model);
  auto logits = model->forward(torch::randn({2, 3, 64, 64}));
  logits.pow(2).sum().backward();
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_GT(item.value().grad().abs().sum().item<double>(), 0.0) << item.key();
  }
}

TEST(SwinBlock, RuntimeSizeOtherThanBuiltSizeUsesTheSameMath) {
  torch::manual_seed(0);
  auto options = [](int64_t side) {
    return SwinBlockOptions(8, 2, side, side).window(4).shifted(true);
  };
  SwinBlock built_small(options(8)), built_large(options(16));
  randomize(*built_small);
  {
    torch::NoGradGuard no_grad;
    auto src = built_small->named_parameters();
    for (auto& item : built_large->named_parameters()) item.value().copy_(src[item.key()]);
  }
  ASSERT_EQ(built_large->shift(), 2);
  auto x = torch::randn({2, 64, 8});
  EXPECT_TRUE(torch::allclose(built_small->forward(x, 8, 8), built_large->forward(x, 8, 8)));
  // A map that is not a multiple of the window is padded and cropped back.
  EXPECT_EQ(built_small->forward(torch::randn({1, 6 * 7, 8}), 6, 7).sizes(),
            torch::IntArrayRef({1, 42, 8}));
}

TEST(SwinTransformerV2, AnyInputSizeIsPaddedAndCroppedBack) {
  torch::manual_seed(0);
  SwinTransformerV2 model(tiny());
  model->eval();
  auto f = model->forward_features(torch::randn({2, 3, 70, 45}), {}, true);
  // 70x45 -> 18x12 patches -> 9x6 -> 5x3 -> 3x2.
  ASSERT_EQ(f.maps.size(), 4u);
  EXPECT_EQ(f.maps[0].sizes(), torch::IntArrayRef({2, 16, 18, 12}));
  EXPECT_EQ(f.maps[1].sizes(), torch::IntArrayRef({2, 32, 9, 6}));
  EXPECT_EQ(f.maps[2].sizes(), torch::IntArrayRef({2, 64, 5, 3}));
  EXPECT_EQ(f.maps[3].sizes(), torch::IntArrayRef({2, 128, 3, 2}));
  EXPECT_EQ(model->forward_head(f.tokens).sizes(), torch::IntArrayRef({2, 10}));
  EXPECT_TRUE(torch::isfinite(f.tokens).all().item<bool>());
}

TEST(SwinTransformerV2, ExtraNormEverySixBlocks) {
  auto o = swinv2_variant("giant");
  o.img_size = 64, o.window_size = 4, o.embed_dim = 16, o.num_heads = {1, 2, 4, 8};
  SwinTransformerV2 model(o);
  auto p = model->named_parameters();
  EXPECT_TRUE(p.contains("layers.2.blocks.1.extra_norm.weight"));  // global block 6
  EXPECT_TRUE(p.contains("layers.2.blocks.7.extra_norm.weight"));  // global block 12
  EXPECT_FALSE(p.contains("layers.2.blocks.2.extra_norm.weight"));
}

TEST(SwinTransformerV2, BadOptionsNameTheField) {
  auto o = tiny();
  o.num_heads = {1, 2, 3, 8};
  try {
    SwinTransformerV2 model(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("num_heads"), std::string::npos) << e.what();
  }
}

TEST(SwinTransformerV2, MacsOfTinyMatchThePublishedFigure) {
  auto o = swinv2_variant("tiny");
  o.img_size = 256, o.window_size = 8;
  // The SwinV2 paper lists SwinV2-T 256/w8 at 5.9G FLOPs (multiply-adds).
  EXPECT_NEAR(swinv2_macs(o) / 1e9, 5.9, 0.15);
}

}  // namespace
}  // namespace swinpp

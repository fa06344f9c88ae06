// The model against tensors computed by the reference Python implementation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "golden_case.h"
#include "swinpp/io/checkpoint_tensors.h"
#include "swinpp/io/state_dict.h"
#include "swinpp/model/simmim.h"
#include "swinpp/model/swin_transformer_v2.h"

namespace swinpp::testing {
namespace {

constexpr double kTolerance = 1e-4;

void expect_features_match(const GoldenCase& c, const SwinV2Features& f) {
  EXPECT_LT(relative_error(f.patch_embed, c.io.at("features.patch_embed")), kTolerance);
  ASSERT_EQ(f.stages.size(), 4u);
  for (size_t i = 0; i < f.stages.size(); ++i) {
    const auto& ref = c.io.at("features.layers." + std::to_string(i));
    ASSERT_EQ(f.stages[i].sizes(), ref.sizes()) << "stage " << i;
    EXPECT_LT(relative_error(f.stages[i], ref), kTolerance) << "stage " << i;
  }
}

class ClassificationGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ClassificationGolden, MatchesReference) {
  const auto c = load_golden_case("cls_tiny64");
  SwinTransformerV2 model(c.options);
  const auto report = io::load_state_dict(*model, io::load_checkpoint_tensors(c.path(GetParam())),
                                          io::LoadOptions{/*strict=*/true, false});
  EXPECT_TRUE(report.complete()) << report.summary();
  model->eval();
  torch::NoGradGuard no_grad;
  const auto f = model->forward_features(c.io.at("input"), {}, /*collect=*/true);
  expect_features_match(c, f);
  const auto logits = model->forward_head(f.tokens);
  const double err = relative_error(logits, c.io.at("output"));
  EXPECT_LT(err, kTolerance);
  RecordProperty("max_relative_error_logits", std::to_string(err));
}

INSTANTIATE_TEST_SUITE_P(Weights, ClassificationGolden,
                         ::testing::Values(".weights.safetensors", ".pth"));

class SimMIMGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(SimMIMGolden, MatchesReference) {
  const auto c = load_golden_case("simmim_tiny64");
  SimMIM model(c.options, c.simmim);
  const auto report = io::load_state_dict(*model, io::load_checkpoint_tensors(c.path(GetParam())),
                                          io::LoadOptions{/*strict=*/true, false});
  EXPECT_TRUE(report.complete()) << report.summary();
  model->eval();
  torch::NoGradGuard no_grad;
  const auto out = model->forward(c.io.at("input"), c.io.at("mask"), /*collect=*/true);
  expect_features_match(c, out.features);
  EXPECT_LT(relative_error(out.reconstruction, c.io.at("reconstruction")), kTolerance);
  EXPECT_LT(relative_error(out.loss.reshape({1}), c.io.at("loss")), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Weights, SimMIMGolden, ::testing::Values(".weights.safetensors", ".pth"));

TEST(GoldenBuffers, RecomputedBuffersEqualTheReferenceOnes) {
  const auto c = load_golden_case("cls_tiny64");
  SwinTransformerV2 model(c.options);
  const auto ref = io::load_checkpoint_tensors(c.path(".weights.safetensors"));
  int compared = 0;
  for (const auto& item : model->named_buffers()) {
    ASSERT_TRUE(ref.count(item.key())) << item.key();
    EXPECT_TRUE(torch::allclose(item.value(), ref.at(item.key()).to(item.value().dtype())))
        << item.key();
    ++compared;
  }
  // Per block: the coords table and index, plus one shift mask in stages 0 and 1.
  EXPECT_EQ(compared, 8 * 2 + 2);
}

}  // namespace
}  // namespace swinpp::testing

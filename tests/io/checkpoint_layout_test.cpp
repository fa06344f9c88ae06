#include "swinpp/io/checkpoint_layout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io_test_support.h"
#include "swinpp/io/safetensors.h"

namespace swinpp::io {
namespace {

using testing::error_message;
using testing::golden;

const TensorMap& official_weights() {
  static const TensorMap weights = load_safetensors(golden("cls_tiny64.weights.safetensors"));
  return weights;
}

const TensorMap& simmim_weights() {
  static const TensorMap weights = load_safetensors(golden("simmim_tiny64.weights.safetensors"));
  return weights;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Same names, and each name bound to the very same tensor.
void expect_identical(const TensorMap& expected, const TensorMap& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, tensor] : expected) {
    ASSERT_EQ(actual.count(name), 1u) << name;
    EXPECT_TRUE(actual.at(name).is_same(tensor)) << name;
  }
}

TEST(CheckpointLayout, DetectsTheGoldenLayouts) {
  EXPECT_EQ(detect_layout(official_weights()), Layout::official);
  EXPECT_EQ(detect_layout(simmim_weights()), Layout::simmim);
  EXPECT_EQ(detect_layout(to_timm(official_weights())), Layout::timm);
}

TEST(CheckpointLayout, DetectsHeadlessLayoutsByTheirDownsamples) {
  const TensorMap official = strip_prefix(simmim_weights(), "encoder.");  // no head
  EXPECT_EQ(detect_layout(official), Layout::official);
  TensorMap timm = to_timm(official);
  EXPECT_EQ(timm.count("head.fc.weight"), 0u);
  EXPECT_EQ(detect_layout(timm), Layout::timm);
}

TEST(CheckpointLayout, UndecidableKeysAreAnError) {
  TensorMap prefixed;
  for (const auto& [name, tensor] : official_weights()) prefixed.emplace("module." + name, tensor);
  EXPECT_NE(error_message([&] { detect_layout(prefixed); }).find("'module.'"), std::string::npos);
  EXPECT_NE(error_message([] { detect_layout({}); }).find("cannot tell the checkpoint layout"),
            std::string::npos);
}

TEST(CheckpointLayout, DropsExactlyTheDerivedBuffers) {
  const TensorMap kept = drop_derived_buffers(official_weights());
  std::size_t derived = 0;
  for (const auto& [name, tensor] : official_weights()) {
    const bool is_derived = ends_with(name, ".relative_coords_table") ||
                            ends_with(name, ".relative_position_index") ||
                            ends_with(name, ".attn_mask");
    derived += is_derived;
    EXPECT_EQ(kept.count(name), is_derived ? 0u : 1u) << name;
  }
  // Two tables in each of the 8 blocks, and the masks of the shifted blocks of stages 0 and 1
  // (stages 2 and 3 are no larger than the window and do not shift).
  EXPECT_EQ(derived, 8u * 2u + 2u);
  EXPECT_EQ(kept.size() + derived, official_weights().size());
}

TEST(CheckpointLayout, ToTimmMovesDownsamplesToTheNextStageAndRenamesTheHead) {
  const TensorMap& official = official_weights();
  const TensorMap timm = to_timm(official);
  for (int stage = 0; stage < 3; ++stage) {
    const std::string from = "layers." + std::to_string(stage) + ".downsample.";
    const std::string to = "layers." + std::to_string(stage + 1) + ".downsample.";
    for (const char* part : {"reduction.weight", "norm.weight", "norm.bias"}) {
      ASSERT_EQ(timm.count(to + part), 1u) << to + part;
      EXPECT_TRUE(timm.at(to + part).is_same(official.at(from + part))) << to + part;
    }
  }
  EXPECT_EQ(timm.count("layers.0.downsample.reduction.weight"), 0u);
  EXPECT_TRUE(timm.at("head.fc.weight").is_same(official.at("head.weight")));
  EXPECT_TRUE(timm.at("head.fc.bias").is_same(official.at("head.bias")));
  EXPECT_EQ(timm.count("head.weight"), 0u);
  EXPECT_TRUE(timm.at("layers.2.blocks.1.attn.cpb_mlp.0.weight")
                  .is_same(official.at("layers.2.blocks.1.attn.cpb_mlp.0.weight")));
  EXPECT_EQ(timm.size(), drop_derived_buffers(official).size());
}

TEST(CheckpointLayout, OfficialToTimmToOfficialIsTheIdentity) {
  expect_identical(drop_derived_buffers(official_weights()),
                   to_official(to_timm(official_weights())));
}

TEST(CheckpointLayout, ConversionsCheckTheirInputLayout) {
  const TensorMap timm = to_timm(official_weights());
  EXPECT_NE(error_message([&] { to_timm(timm); }).find("expects tensors in the official layout"),
            std::string::npos);
  EXPECT_NE(error_message([] {
              to_official(official_weights());
            }).find("expects tensors in the timm layout, found the official layout"),
            std::string::npos);
}

TEST(CheckpointLayout, StripPrefixKeepsOnlyThePrefixedTensors) {
  const TensorMap encoder = strip_prefix(simmim_weights(), "encoder.");
  EXPECT_EQ(encoder.count("mask_token"), 1u);
  EXPECT_EQ(encoder.count("decoder.0.weight"), 0u);
  EXPECT_TRUE(encoder.at("patch_embed.proj.weight")
                  .is_same(simmim_weights().at("encoder.patch_embed.proj.weight")));
  // The SimMIM encoder is the classification model without its head, plus mask_token.
  for (const auto& entry : official_weights()) {
    const bool head = entry.first.rfind("head.", 0) == 0;
    EXPECT_EQ(encoder.count(entry.first), head ? 0u : 1u) << entry.first;
  }
  EXPECT_EQ(encoder.size(), official_weights().size() - 2 + 1);
}

TEST(CheckpointLayout, RenamesTheLegacyPositionBiasMlp) {
  const torch::Tensor weight = torch::ones({512, 2});
  const TensorMap renamed = rename_legacy_keys(
      {{"layers.0.blocks.0.attn.rpe_mlp.0.weight", weight}, {"norm.weight", torch::ones({4})}});
  ASSERT_EQ(renamed.count("layers.0.blocks.0.attn.cpb_mlp.0.weight"), 1u);
  EXPECT_TRUE(renamed.at("layers.0.blocks.0.attn.cpb_mlp.0.weight").is_same(weight));
  EXPECT_EQ(renamed.count("norm.weight"), 1u);
  EXPECT_EQ(renamed.size(), 2u);
}

TEST(CheckpointLayout, NormalizesEveryLayoutToTheOfficialNames) {
  const TensorMap expected = drop_derived_buffers(official_weights());
  expect_identical(expected, normalize_to_official(official_weights()));

  TensorMap ddp_timm;
  for (const auto& [name, tensor] : to_timm(official_weights())) {
    ddp_timm.emplace("module." + name, tensor);
  }
  expect_identical(expected, normalize_to_official(ddp_timm));

  const TensorMap encoder = normalize_to_official(simmim_weights());
  EXPECT_EQ(detect_layout(encoder), Layout::official);
  EXPECT_EQ(encoder.count("mask_token"), 1u);
  EXPECT_EQ(encoder.count("layers.0.blocks.0.attn.relative_position_index"), 0u);
}

}  // namespace
}  // namespace swinpp::io

#include "swinpp/optim/param_groups.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

const std::vector<int64_t> kDepths = {2, 2, 6, 2};
const std::vector<int64_t> kHeads = {3, 6, 12, 24};
constexpr int64_t kEmbedDim = 96;

/// The trainable parameters of the official SwinV2-T (1000 classes), in the
/// reference's registration order, optionally under a prefix.
NamedParameters swinv2_tiny_parameters(const std::string& prefix = "") {
  NamedParameters named;
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    named.emplace_back(prefix + name, torch::empty(shape).requires_grad_(true));
  };
  add("patch_embed.proj.weight", {kEmbedDim, 3, 4, 4});
  add("patch_embed.proj.bias", {kEmbedDim});
  add("patch_embed.norm.weight", {kEmbedDim});
  add("patch_embed.norm.bias", {kEmbedDim});
  for (size_t i = 0; i < kDepths.size(); ++i) {
    const int64_t dim = kEmbedDim << i;
    const int64_t heads = kHeads[i];
    for (int64_t j = 0; j < kDepths[i]; ++j) {
      const std::string block =
          "layers." + std::to_string(i) + ".blocks." + std::to_string(j) + ".";
      add(block + "norm1.weight", {dim});
      add(block + "norm1.bias", {dim});
      add(block + "attn.logit_scale", {heads, 1, 1});
      add(block + "attn.q_bias", {dim});
      add(block + "attn.v_bias", {dim});
      add(block + "attn.cpb_mlp.0.weight", {512, 2});
      add(block + "attn.cpb_mlp.0.bias", {512});
      add(block + "attn.cpb_mlp.2.weight", {heads, 512});
      add(block + "attn.qkv.weight", {3 * dim, dim});
      add(block + "attn.proj.weight", {dim, dim});
      add(block + "attn.proj.bias", {dim});
      add(block + "norm2.weight", {dim});
      add(block + "norm2.bias", {dim});
      add(block + "mlp.fc1.weight", {4 * dim, dim});
      add(block + "mlp.fc1.bias", {4 * dim});
      add(block + "mlp.fc2.weight", {dim, 4 * dim});
      add(block + "mlp.fc2.bias", {dim});
    }
    if (i + 1 < kDepths.size()) {
      const std::string down = "layers." + std::to_string(i) + ".downsample.";
      add(down + "reduction.weight", {2 * dim, 4 * dim});
      add(down + "norm.weight", {2 * dim});
      add(down + "norm.bias", {2 * dim});
    }
  }
  add("norm.weight", {8 * kEmbedDim});
  add("norm.bias", {8 * kEmbedDim});
  add("head.weight", {1000, 8 * kEmbedDim});
  add("head.bias", {1000});
  return named;
}

/// The group holding each parameter name (pointers into `groups`).
std::map<std::string, const ParamGroup*> group_of(const std::vector<ParamGroup>& groups) {
  std::map<std::string, const ParamGroup*> lookup;
  for (const ParamGroup& group : groups) {
    for (const std::string& name : group.param_names) {
      lookup[name] = &group;
    }
  }
  return lookup;
}

TEST(ParamGroups, GeneratedSwinV2TinyHasTheOfficialParameterCount) {
  int64_t count = 0;
  for (const auto& item : swinv2_tiny_parameters()) {
    count += item.second.numel();
  }
  EXPECT_EQ(count, 28347154);
}

TEST(ParamGroups, SplitsSwinV2TinyByWeightDecay) {
  const NamedParameters named = swinv2_tiny_parameters();
  const auto groups = build_param_groups(named, {0.05, 1.0, {}});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "decay");
  EXPECT_EQ(groups[1].name, "no_decay");
  EXPECT_DOUBLE_EQ(groups[0].weight_decay, 0.05);
  EXPECT_DOUBLE_EQ(groups[1].weight_decay, 0.0);
  EXPECT_EQ(groups[0].params.size() + groups[1].params.size(), named.size());
  for (const ParamGroup& group : groups) {
    EXPECT_DOUBLE_EQ(group.lr_scale, 1.0);
    EXPECT_EQ(group.params.size(), group.param_names.size());
  }

  const auto lookup = group_of(groups);
  for (const char* name : {"patch_embed.proj.weight", "layers.0.blocks.0.attn.qkv.weight",
                           "layers.2.blocks.5.attn.proj.weight", "layers.1.blocks.1.mlp.fc1.weight",
                           "layers.2.downsample.reduction.weight", "head.weight"}) {
    EXPECT_EQ(lookup.at(name)->name, "decay") << name;
  }
  for (const char* name :
       {"patch_embed.proj.bias", "patch_embed.norm.weight", "layers.0.blocks.0.attn.logit_scale",
        "layers.0.blocks.1.attn.cpb_mlp.0.weight", "layers.3.blocks.1.attn.cpb_mlp.2.weight",
        "layers.1.blocks.0.attn.q_bias", "layers.1.blocks.0.attn.v_bias",
        "layers.2.blocks.3.norm1.weight", "layers.0.downsample.norm.weight", "norm.weight",
        "head.bias"}) {
    EXPECT_EQ(lookup.at(name)->name, "no_decay") << name;
  }
}

TEST(ParamGroups, ExcludesNestedSimMimNamesFromWeightDecay) {
  NamedParameters named = swinv2_tiny_parameters("encoder.");
  named.emplace_back("encoder.mask_token", torch::empty({1, 1, kEmbedDim}).requires_grad_(true));
  named.emplace_back("encoder.absolute_pos_embed",
                     torch::empty({1, 4096, kEmbedDim}).requires_grad_(true));
  named.emplace_back("decoder.0.weight", torch::empty({3072, 768, 1, 1}).requires_grad_(true));
  named.emplace_back("decoder.0.bias", torch::empty({3072}).requires_grad_(true));
  const auto groups = build_param_groups(named, {0.05, 1.0, {}});
  const auto lookup = group_of(groups);
  for (const char* name : {"encoder.mask_token", "encoder.absolute_pos_embed",
                           "encoder.layers.0.blocks.1.attn.cpb_mlp.0.weight",
                           "encoder.layers.2.blocks.0.attn.logit_scale", "decoder.0.bias"}) {
    EXPECT_EQ(lookup.at(name)->weight_decay, 0.0) << name;
  }
  for (const char* name : {"decoder.0.weight", "encoder.layers.0.blocks.0.attn.qkv.weight"}) {
    EXPECT_EQ(lookup.at(name)->weight_decay, 0.05) << name;
  }
  EXPECT_TRUE(excluded_from_weight_decay("layers.0.blocks.0.attn.relative_position_bias_table",
                                         torch::empty({225, 3})));
}

TEST(ParamGroups, LayerDecayFollowsTheOfficialLayerIds) {
  const double decay = 0.75;
  const auto groups = build_param_groups(swinv2_tiny_parameters(), {0.05, decay, kDepths});
  // Ids 0..13 each hold weights with and without decay.
  EXPECT_EQ(groups.size(), 28u);
  const auto lookup = group_of(groups);
  const std::map<std::string, int> expected_ids = {
      {"patch_embed.proj.weight", 0},
      {"patch_embed.norm.bias", 0},
      {"layers.0.blocks.0.attn.qkv.weight", 1},
      {"layers.0.blocks.1.mlp.fc2.weight", 2},
      {"layers.0.downsample.reduction.weight", 2},
      {"layers.1.blocks.0.attn.logit_scale", 3},
      {"layers.1.downsample.norm.weight", 4},
      {"layers.2.blocks.5.attn.proj.weight", 10},
      {"layers.2.downsample.reduction.weight", 10},
      {"layers.3.blocks.1.attn.qkv.weight", 12},
      {"norm.weight", 13},
      {"head.weight", 13},
  };
  for (const auto& [name, id] : expected_ids) {
    const ParamGroup& group = *lookup.at(name);
    EXPECT_NEAR(group.lr_scale, std::pow(decay, 13 - id), 1e-15) << name;
    EXPECT_EQ(group.name.rfind("layer_" + std::to_string(id) + "_", 0), 0u) << group.name;
  }
  EXPECT_DOUBLE_EQ(lookup.at("head.weight")->lr_scale, 1.0);
  EXPECT_DOUBLE_EQ(lookup.at("head.weight")->weight_decay, 0.05);
  EXPECT_DOUBLE_EQ(lookup.at("head.bias")->weight_decay, 0.0);
}

TEST(ParamGroups, LayerIdsOfPrefixedAndOtherNames) {
  EXPECT_EQ(swin_layer_id("mask_token", kDepths), 0);
  EXPECT_EQ(swin_layer_id("encoder.mask_token", kDepths), 0);
  EXPECT_EQ(swin_layer_id("encoder.layers.3.blocks.0.norm1.weight", kDepths), 11);
  EXPECT_EQ(swin_layer_id("decoder.0.weight", kDepths), 13);
  EXPECT_THROW(swin_layer_id("layers.4.blocks.0.norm1.weight", kDepths), Error);
  EXPECT_THROW(swin_layer_id("layers.0.blocks.2.norm1.weight", kDepths), Error);
  EXPECT_THROW(swin_layer_id("layers.x.blocks.0.norm1.weight", kDepths), Error);
}

TEST(ParamGroups, SkipsFrozenParametersAndRejectsBadInput) {
  NamedParameters named = {{"a.weight", torch::ones({2, 2}).requires_grad_(true)},
                           {"b.weight", torch::ones({2, 2})}};
  const auto groups = build_param_groups(named, {});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].param_names, std::vector<std::string>{"a.weight"});

  named.push_back(named.front());
  EXPECT_THROW(build_param_groups(named, {}), Error);
  EXPECT_THROW(build_param_groups({{"a.weight", torch::ones({2, 2})}}, {0.05, 0.75, {}}), Error);
}

TEST(ParamGroups, NamedParametersOfAModule) {
  torch::nn::Sequential model(torch::nn::Linear(3, 4), torch::nn::Linear(4, 2));
  const NamedParameters named = named_parameters_of(*model);
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "0.weight");
  EXPECT_TRUE(named[0].second.is_same(model[0]->as<torch::nn::Linear>()->weight));
  const auto groups = build_param_groups(named, {});
  const auto lookup = group_of(groups);
  EXPECT_EQ(lookup.at("1.weight")->name, "decay");
  EXPECT_EQ(lookup.at("1.bias")->name, "no_decay");
}

}  // namespace
}  // namespace swinpp::optim

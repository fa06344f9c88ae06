#include "swinpp/io/state_dict.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io_test_support.h"

namespace swinpp::io {
namespace {

using testing::error_message;

/// A stand-in for a model: nested modules, a parameter, a plain buffer and a
/// derived buffer named like the model's.
struct TinyAttention : torch::nn::Module {
  explicit TinyAttention(int64_t classes) {
    proj = register_module("proj", torch::nn::Linear(4, 4));
    logit_scale = register_parameter("logit_scale", torch::full({2, 1, 1}, 2.3));
    relative_position_index = register_buffer("relative_position_index", torch::arange(4));
    head = register_module("head", torch::nn::Linear(4, classes));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4})));
    step = register_buffer("step", torch::zeros({1}, torch::kInt64));
  }
  torch::nn::Linear proj{nullptr}, head{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::Tensor logit_scale, relative_position_index, step;
};

TensorMap random_weights(int64_t classes, uint64_t seed) {
  torch::manual_seed(seed);
  TinyAttention source(classes);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : source.parameters()) parameter.normal_();
    source.step.fill_(static_cast<int64_t>(seed));
  }
  return state_dict_of(source);
}

void expect_loaded(const TinyAttention& module, const TensorMap& tensors, const std::string& name) {
  EXPECT_TRUE(torch::equal(state_dict_of(module).at(name), tensors.at(name))) << name;
}

TEST(StateDict, StateDictOfListsParametersAndBuffersAsCopies) {
  TinyAttention module(3);
  const TensorMap tensors = state_dict_of(module);
  for (const char* name : {"proj.weight", "proj.bias", "logit_scale", "relative_position_index",
                           "head.weight", "head.bias", "norm.weight", "norm.bias", "step"}) {
    ASSERT_EQ(tensors.count(name), 1u) << name;
    EXPECT_FALSE(tensors.at(name).requires_grad()) << name;
  }
  EXPECT_EQ(tensors.size(), 9u);
  tensors.at("logit_scale").fill_(-1.0);
  EXPECT_FLOAT_EQ(module.logit_scale[0][0][0].item<float>(), 2.3F);
}

TEST(StateDict, LoadsEveryParameterAndBuffer) {
  const TensorMap weights = random_weights(3, 11);
  TinyAttention module(3);
  const LoadReport report = load_state_dict(module, weights, {/*strict=*/true});
  EXPECT_TRUE(report.complete()) << report.summary();
  EXPECT_EQ(report.loaded.size(), 8u);  // all but the derived buffer
  for (const char* name : {"proj.weight", "logit_scale", "head.bias", "norm.weight", "step"}) {
    expect_loaded(module, weights, name);
  }
  EXPECT_TRUE(module.proj->weight.requires_grad());
  EXPECT_EQ(module.proj->weight.grad_fn(), nullptr);
}

TEST(StateDict, NeverTakesDerivedBuffersFromTheFile) {
  TensorMap weights = random_weights(3, 12);
  weights["relative_position_index"] = torch::full({4}, 9, torch::kInt64);
  TinyAttention module(3);
  EXPECT_TRUE(load_state_dict(module, weights, {/*strict=*/true}).complete());
  EXPECT_TRUE(torch::equal(module.relative_position_index, torch::arange(4)));

  weights.erase("relative_position_index");
  weights["blocks.1.attn_mask"] = torch::zeros({2, 2});
  const LoadReport report = load_state_dict(module, weights, {/*strict=*/true});
  EXPECT_TRUE(report.missing.empty());
  EXPECT_TRUE(report.unexpected.empty());
}

TEST(StateDict, ReportsMissingAndUnexpectedNames) {
  TensorMap weights = random_weights(3, 13);
  weights.erase("norm.bias");
  weights["mask_token"] = torch::zeros({1, 1, 4});
  TinyAttention module(3);
  const LoadReport report = load_state_dict(module, weights);
  EXPECT_EQ(report.missing, std::vector<std::string>{"norm.bias"});
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"mask_token"});
  EXPECT_FALSE(report.complete());
  expect_loaded(module, weights, "proj.weight");
}

TEST(StateDict, StrictLoadingThrowsAndLeavesTheModuleUnchanged) {
  TensorMap weights = random_weights(3, 14);
  weights.erase("norm.bias");
  weights["mask_token"] = torch::zeros({1, 1, 4});
  TinyAttention module(3);
  const torch::Tensor before = module.proj->weight.clone();
  const std::string message =
      error_message([&] { load_state_dict(module, weights, {/*strict=*/true}); });
  EXPECT_NE(message.find("missing (1): norm.bias"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected (1): mask_token"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(module.proj->weight, before));
}

TEST(StateDict, ShapeMismatchThrowsUnlessSkipped) {
  const TensorMap weights = random_weights(5, 15);  // a head of 5 classes
  TinyAttention module(3);
  const torch::Tensor head_before = module.head->weight.clone();

  const std::string message = error_message([&] { load_state_dict(module, weights); });
  EXPECT_NE(message.find("head.weight expected [3, 4] found [5, 4]"), std::string::npos) << message;
  EXPECT_NE(error_message([&] {
              load_state_dict(module, weights, {/*strict=*/true, /*skip_mismatched=*/true});
            }).find("head.bias"),
            std::string::npos);

  const LoadReport report =
      load_state_dict(module, weights, {/*strict=*/false, /*skip_mismatched=*/true});
  ASSERT_EQ(report.mismatched.size(), 2u);
  EXPECT_EQ(report.mismatched[1].name, "head.weight");
  EXPECT_EQ(report.mismatched[1].expected, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(report.mismatched[1].found, (std::vector<int64_t>{5, 4}));
  EXPECT_TRUE(torch::equal(module.head->weight, head_before));
  expect_loaded(module, weights, "proj.weight");
}

TEST(StateDict, ConvertsToTheParameterDtype) {
  TensorMap weights = random_weights(3, 16);
  for (auto& entry : weights) {
    if (entry.second.is_floating_point()) entry.second = entry.second.to(torch::kFloat64);
  }
  TinyAttention module(3);
  load_state_dict(module, weights, {/*strict=*/true});
  EXPECT_EQ(module.proj->weight.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(module.proj->weight.to(torch::kFloat64), weights.at("proj.weight"),
                              1e-6, 1e-7));
}

}  // namespace
}  // namespace swinpp::io

#include "swinpp/optim/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// A weight that decays at layer 1 and a bias that does not at layer 2
/// (depths {1, 1}: ids 0..3, so with decay 0.5 the scales are 0.25 and 0.5).
NamedParameters two_layer_parameters() {
  torch::manual_seed(3);
  return {{"layers.0.blocks.0.mlp.fc1.weight", torch::randn({3, 2}).requires_grad_(true)},
          {"layers.1.blocks.0.mlp.fc1.bias", torch::randn({3}).requires_grad_(true)}};
}

NamedParameters clone_parameters(const NamedParameters& named) {
  NamedParameters copies;
  for (const auto& [name, tensor] : named) {
    copies.emplace_back(name, tensor.detach().clone().requires_grad_(true));
  }
  return copies;
}

/// Gives every parameter the gradient sin(step + index) elementwise pattern.
void set_grads(const NamedParameters& named, int step) {
  for (size_t i = 0; i < named.size(); ++i) {
    const torch::Tensor& p = named[i].second;
    p.mutable_grad() =
        torch::sin(torch::arange(p.numel(), torch::kFloat) + step + 10.0 * i).reshape(p.sizes());
  }
}

const ParamGroupOptions kLayerDecay = {0.1, 0.5, {1, 1}};

TEST(Optimizer, SetLrScalesEachGroup) {
  Optimizer optimizer(build_param_groups(two_layer_parameters(), kLayerDecay), {});
  ASSERT_EQ(optimizer.groups().size(), 2u);
  EXPECT_DOUBLE_EQ(optimizer.group_lr(0), 5e-4 * 0.25);  // initial base_lr
  optimizer.set_lr(1e-2);
  EXPECT_DOUBLE_EQ(optimizer.group_lr(0), 1e-2 * 0.25);
  EXPECT_DOUBLE_EQ(optimizer.group_lr(1), 1e-2 * 0.5);
  EXPECT_THROW(optimizer.group_lr(2), Error);
}

TEST(Optimizer, AdamWFirstStepMatchesTheUpdateRule) {
  const NamedParameters named = two_layer_parameters();
  const NamedParameters before = clone_parameters(named);
  OptimizerOptions options;
  options.eps = 1e-8;
  Optimizer optimizer(build_param_groups(named, kLayerDecay), options);
  optimizer.set_lr(0.1);
  set_grads(named, 0);
  optimizer.step();

  // First step: m_hat = g, v_hat = g^2, p <- p (1 - lr wd) - lr g / (|g| + eps).
  const double lrs[] = {0.1 * 0.25, 0.1 * 0.5};
  const double decays[] = {0.1, 0.0};
  for (size_t i = 0; i < named.size(); ++i) {
    const torch::Tensor g = named[i].second.grad();
    const torch::Tensor expected =
        before[i].second.detach() * (1.0 - lrs[i] * decays[i]) - lrs[i] * g / (g.abs() + 1e-8);
    EXPECT_TRUE(torch::allclose(named[i].second, expected, 1e-5, 1e-7)) << named[i].first;
  }
}

TEST(Optimizer, FusedAdamWFollowsLibTorchsAdamW) {
  const NamedParameters named = two_layer_parameters();
  const NamedParameters reference = clone_parameters(named);
  OptimizerOptions options;
  options.betas = {0.8, 0.99};
  options.eps = 1e-6;
  Optimizer optimizer(build_param_groups(named, kLayerDecay), options);
  const auto groups = build_param_groups(reference, kLayerDecay);
  std::vector<torch::optim::OptimizerParamGroup> torch_groups;
  for (const ParamGroup& group : groups) {
    torch_groups.emplace_back(group.params, std::make_unique<torch::optim::AdamWOptions>(
                                                torch::optim::AdamWOptions(0.05 * group.lr_scale)
                                                    .betas({0.8, 0.99})
                                                    .eps(1e-6)
                                                    .weight_decay(group.weight_decay)));
  }
  torch::optim::AdamW torch_adamw(std::move(torch_groups));
  optimizer.set_lr(0.05);
  for (int step = 0; step < 5; ++step) {
    set_grads(named, step);
    set_grads(reference, step);
    optimizer.step();
    torch_adamw.step();
  }
  for (size_t i = 0; i < named.size(); ++i) {
    EXPECT_TRUE(torch::allclose(named[i].second, reference[i].second, 1e-6, 1e-7))
        << named[i].first << ": " << (named[i].second - reference[i].second).abs().max();
  }
  EXPECT_EQ(optimizer.adamw()->step_count(0), 5);
}

TEST(Optimizer, NesterovSgdFirstStepMatchesTheUpdateRule) {
  const NamedParameters named = two_layer_parameters();
  const NamedParameters before = clone_parameters(named);
  OptimizerOptions options;
  options.kind = OptimizerKind::kSgd;
  options.momentum = 0.9;
  Optimizer optimizer(build_param_groups(named, {0.1, 1.0, {}}), options);
  optimizer.set_lr(0.2);
  set_grads(named, 0);
  optimizer.step();

  // First step: d = g + wd p; buffer = d; p <- p - lr (d + momentum d).
  for (size_t i = 0; i < named.size(); ++i) {
    const torch::Tensor p0 = before[i].second.detach();
    const double wd = i == 0 ? 0.1 : 0.0;
    const torch::Tensor d = named[i].second.grad() + wd * p0;
    const torch::Tensor expected = p0 - 0.2 * 1.9 * d;
    EXPECT_TRUE(torch::allclose(named[i].second, expected, 1e-5, 1e-7)) << named[i].first;
  }
}

TEST(Optimizer, SavedStateGivesAnIdenticalNextStep) {
  const NamedParameters original = two_layer_parameters();
  Optimizer trained(build_param_groups(original, kLayerDecay), {});
  trained.set_lr(0.05);
  for (int step = 0; step < 3; ++step) {
    set_grads(original, step);
    trained.step();
  }
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    trained.save(archive);
    archive.save_to(buffer);
  }

  const NamedParameters resumed_params = clone_parameters(original);
  const NamedParameters fresh_params = clone_parameters(original);
  Optimizer resumed(build_param_groups(resumed_params, kLayerDecay), {});
  Optimizer fresh(build_param_groups(fresh_params, kLayerDecay), {});
  torch::serialize::InputArchive input;
  input.load_from(buffer);
  resumed.load(input);
  for (Optimizer* optimizer : {&trained, &resumed, &fresh}) {
    optimizer->set_lr(0.05);
  }
  set_grads(original, 3);
  set_grads(resumed_params, 3);
  set_grads(fresh_params, 3);
  trained.step();
  resumed.step();
  fresh.step();
  for (size_t i = 0; i < original.size(); ++i) {
    EXPECT_TRUE(torch::equal(resumed_params[i].second, original[i].second)) << original[i].first;
  }
  EXPECT_FALSE(torch::allclose(fresh_params[0].second, original[0].second));
}

TEST(Optimizer, LoadingAnotherGroupLayoutThrows) {
  const NamedParameters named = two_layer_parameters();
  Optimizer two_groups(build_param_groups(named, kLayerDecay), {});
  set_grads(named, 0);
  two_groups.step();
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    two_groups.save(archive);
    archive.save_to(buffer);
  }
  const NamedParameters single = {{"w", torch::ones({3, 2}).requires_grad_(true)}};
  Optimizer one_group(build_param_groups(single, {}), {});
  torch::serialize::InputArchive input;
  input.load_from(buffer);
  EXPECT_THROW(one_group.load(input), Error);
}

TEST(Optimizer, ParsesNamesAndRejectsEmptyGroups) {
  EXPECT_EQ(parse_optimizer_kind("AdamW"), OptimizerKind::kAdamW);
  EXPECT_EQ(parse_optimizer_kind("sgd"), OptimizerKind::kSgd);
  EXPECT_THROW(parse_optimizer_kind("lamb"), Error);
  EXPECT_THROW(Optimizer({}, {}), Error);
  EXPECT_THROW(Optimizer({ParamGroup{}}, {}), Error);
}

}  // namespace
}  // namespace swinpp::optim

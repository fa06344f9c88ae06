#include "swinpp/optim/ema.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// A linear layer with a float and an integer buffer.
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    linear = register_module("linear", torch::nn::Linear(3, 2));
    running = register_buffer("running", torch::zeros({2}));
    index = register_buffer("index", torch::arange(4, torch::kLong));
  }
  torch::nn::Linear linear{nullptr};
  torch::Tensor running, index;
};
TORCH_MODULE(Tiny);

void fill(Tiny& model, double weight, double bias) {
  torch::NoGradGuard no_grad;
  model->linear->weight.fill_(weight);
  model->linear->bias.fill_(bias);
}

TEST(ModelEma, AveragesParametersAndCopiesBuffers) {
  Tiny model;
  fill(model, 1.0, -1.0);
  ModelEma ema(*model, 0.9);
  fill(model, 2.0, 3.0);
  {
    torch::NoGradGuard no_grad;
    model->running.fill_(7.0);
    model->index.add_(10);
  }
  ema.update(*model);
  fill(model, 4.0, 0.0);
  ema.update(*model);

  const auto state = ema.state_dict();
  const double weight = 0.9 * (0.9 * 1.0 + 0.1 * 2.0) + 0.1 * 4.0;
  const double bias = 0.9 * (0.9 * -1.0 + 0.1 * 3.0) + 0.1 * 0.0;
  EXPECT_TRUE(torch::allclose(state.at("linear.weight"), torch::full({2, 3}, weight)));
  EXPECT_TRUE(torch::allclose(state.at("linear.bias"), torch::full({2}, bias)));
  EXPECT_TRUE(torch::equal(state.at("running"), torch::full({2}, 7.0)));
  EXPECT_TRUE(torch::equal(state.at("index"), torch::arange(4, torch::kLong) + 10));
  EXPECT_FALSE(state.at("linear.weight").requires_grad());
}

TEST(ModelEma, StoreCopyToRestoreSwapsWeights) {
  Tiny model;
  fill(model, 1.0, 1.0);
  ModelEma ema(*model, 0.5);
  fill(model, 3.0, 5.0);
  ema.update(*model);  // weight 2, bias 3

  ema.store(*model);
  ema.copy_to(*model);
  EXPECT_TRUE(torch::allclose(model->linear->weight, torch::full({2, 3}, 2.0)));
  EXPECT_TRUE(torch::allclose(model->linear->bias, torch::full({2}, 3.0)));
  EXPECT_TRUE(model->linear->weight.requires_grad());
  ema.restore(*model);
  EXPECT_TRUE(torch::allclose(model->linear->weight, torch::full({2, 3}, 3.0)));
  EXPECT_TRUE(torch::allclose(model->linear->bias, torch::full({2}, 5.0)));
  EXPECT_THROW(ema.restore(*model), Error);
}

TEST(ModelEma, StateRoundTripsIntoAnotherAverage) {
  Tiny model;
  fill(model, 1.0, 2.0);
  ModelEma ema(*model, 0.99);
  Tiny other;
  ModelEma loaded(*other, 0.99);
  loaded.load_state_dict(ema.state_dict());
  loaded.copy_to(*other);
  EXPECT_TRUE(torch::equal(other->linear->weight, model->linear->weight));
  EXPECT_TRUE(torch::equal(other->linear->bias, model->linear->bias));

  auto missing = ema.state_dict();
  missing.erase("linear.bias");
  EXPECT_THROW(loaded.load_state_dict(missing), Error);
  auto extra = ema.state_dict();
  extra["unknown"] = torch::zeros({1});
  EXPECT_THROW(loaded.load_state_dict(extra), Error);
  auto misshaped = ema.state_dict();
  misshaped["linear.bias"] = torch::zeros({3});
  EXPECT_THROW(loaded.load_state_dict(misshaped), Error);
}

TEST(ModelEma, MultiTensorUpdateEqualsThePerParameterFormulaBitForBit) {
  torch::manual_seed(3);
  torch::nn::Sequential model(torch::nn::Linear(16, 32),
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({32})),
                              torch::nn::Linear(32, 5));
  ModelEma ema(*model, 0.999);
  std::vector<torch::Tensor> expected;
  for (const auto& p : model->parameters()) expected.push_back(p.detach().clone());
  for (int step = 0; step < 3; ++step) {
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.add_(torch::randn_like(p));
    }
    ema.update(*model);
    const auto params = model->parameters();
    for (size_t i = 0; i < params.size(); ++i)
      expected[i].mul_(0.999).add_(params[i].detach(), 1.0 - 0.999);
  }
  const auto named = model->named_parameters();
  const auto state = ema.state_dict();
  for (size_t i = 0; i < named.size(); ++i)
    EXPECT_TRUE(torch::equal(state.at(named[i].key()), expected[i])) << named[i].key();
}

TEST(ModelEma, FollowsTheModuleItIsGiven) {
  Tiny first, second;
  fill(first, 1.0, 1.0);
  ModelEma ema(*first, 0.5);
  ema.update(*first);  // binds to first
  fill(second, 3.0, 5.0);
  ema.update(*second);  // same names and shapes: averages second's weights in
  EXPECT_TRUE(torch::allclose(ema.state_dict().at("linear.weight"), torch::full({2, 3}, 2.0)));
  EXPECT_TRUE(torch::allclose(ema.state_dict().at("linear.bias"), torch::full({2}, 3.0)));
}

TEST(ModelEma, RejectsAnotherModuleAndBadDecay) {
  Tiny model;
  ModelEma ema(*model, 0.9);
  torch::nn::Linear wider(4, 2);
  EXPECT_THROW(ema.update(*wider), Error);
  EXPECT_THROW(ModelEma(*model, 1.5), Error);
}

}  // namespace
}  // namespace swinpp::optim

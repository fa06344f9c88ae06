#include "swinpp/optim/loss_scaler.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <sstream>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

/// found_inf as unscale returns it, read: true when every gradient is finite.
bool all_finite(const torch::Tensor& found_inf) { return found_inf.item<float>() == 0.0f; }

/// found_inf for update(): 1 after a step with non-finite gradients.
torch::Tensor found(bool found_inf) { return torch::full({1}, found_inf ? 1.0f : 0.0f); }

torch::Tensor parameter_with_grad(const torch::Tensor& grad) {
  torch::Tensor param = torch::zeros_like(grad).requires_grad_(true);
  param.mutable_grad() = grad.clone();
  return param;
}

TEST(DynamicLossScaler, ScalesLossAndUnscalesGradients) {
  DynamicLossScaler scaler;
  EXPECT_EQ(scaler.current_scale(), 65536.0);
  const torch::Tensor weight = torch::tensor({1.5f, -2.0f}, torch::requires_grad());
  const torch::Tensor loss = (weight * weight).sum();
  EXPECT_FLOAT_EQ(scaler.scale(loss).item<float>(), loss.item<float>() * 65536.0f);
  scaler.scale(loss).backward();
  EXPECT_TRUE(torch::allclose(weight.grad(), 2 * weight * 65536.0));
  EXPECT_TRUE(all_finite(scaler.unscale({weight.grad()})));
  EXPECT_TRUE(torch::allclose(weight.grad(), 2 * weight));
}

TEST(DynamicLossScaler, GrowsAfterIntervalAndBacksOffOnInf) {
  DynamicLossScaler scaler({1024.0, 2.0, 0.5, 3});
  scaler.update(found(false));
  scaler.update(found(false));
  EXPECT_EQ(scaler.current_scale(), 1024.0);
  EXPECT_EQ(scaler.growth_tracker(), 2);
  scaler.update(found(false));
  EXPECT_EQ(scaler.current_scale(), 2048.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);
  scaler.update(found(false));
  scaler.update(found(true));
  EXPECT_EQ(scaler.current_scale(), 1024.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);
  scaler.update(found(false));
  scaler.update(found(false));
  EXPECT_EQ(scaler.current_scale(), 1024.0);
}

TEST(DynamicLossScaler, SkipsTheStepOnInfiniteGradients) {
  DynamicLossScaler scaler({8.0, 2.0, 0.5, 2000});
  const torch::Tensor good = parameter_with_grad(torch::tensor({8.0f, 16.0f}));
  const torch::Tensor bad =
      parameter_with_grad(torch::tensor({1.0f, std::numeric_limits<float>::infinity()}));
  torch::optim::SGD sgd({good, bad}, torch::optim::SGDOptions(1.0));
  const torch::Tensor found_inf = scaler.unscale({good.grad(), bad.grad()});
  EXPECT_TRUE(torch::equal(found_inf, torch::ones({1})));
  if (all_finite(found_inf)) {
    sgd.step();
  }
  scaler.update(found_inf);
  EXPECT_TRUE(torch::equal(good.detach(), torch::zeros({2})));
  EXPECT_EQ(scaler.current_scale(), 4.0);
  EXPECT_TRUE(torch::equal(good.grad(), torch::tensor({1.0f, 2.0f})));
}

TEST(DynamicLossScaler, StateRoundTrips) {
  DynamicLossScaler scaler({1024.0, 2.0, 0.5, 10});
  scaler.update(found(true));
  scaler.update(found(false));
  std::stringstream buffer;
  {
    torch::serialize::OutputArchive archive;
    scaler.save(archive);
    archive.save_to(buffer);
  }
  DynamicLossScaler restored;
  torch::serialize::InputArchive input;
  input.load_from(buffer);
  restored.load(input);
  EXPECT_EQ(restored.current_scale(), 512.0);
  EXPECT_EQ(restored.growth_tracker(), 1);

  torch::serialize::OutputArchive empty;
  empty.write("other", torch::zeros({1}));
  std::stringstream empty_buffer;
  empty.save_to(empty_buffer);
  torch::serialize::InputArchive empty_input;
  empty_input.load_from(empty_buffer);
  EXPECT_THROW(restored.load(empty_input), Error);
  EXPECT_THROW(DynamicLossScaler({1024.0, 0.5, 0.5, 10}), Error);
}

TEST(NoOpLossScaler, KeepsLossButReportsNonFiniteGradients) {
  const auto scaler = make_loss_scaler(false);
  EXPECT_EQ(scaler->current_scale(), 1.0);
  const torch::Tensor loss = torch::tensor(3.0f);
  EXPECT_TRUE(torch::equal(scaler->scale(loss), loss));
  const torch::Tensor param = parameter_with_grad(torch::tensor({0.5f, -0.25f}));
  EXPECT_TRUE(all_finite(scaler->unscale({param.grad()})));
  EXPECT_TRUE(torch::equal(param.grad(), torch::tensor({0.5f, -0.25f})));
  param.grad()[1] = std::nanf("");
  EXPECT_FALSE(all_finite(scaler->unscale({param.grad()})));
  EXPECT_TRUE(all_finite(scaler->unscale({})));
  EXPECT_EQ(make_loss_scaler(true)->current_scale(), 65536.0);
}

}  // namespace
}  // namespace swinpp::optim

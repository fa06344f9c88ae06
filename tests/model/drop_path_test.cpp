// Stochastic depth: whole samples dropped or scaled by 1/keep in training, at
// the rate asked for; the identity in eval mode and at rate 0.
#include "swinpp/model/drop_path.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace swinpp {
namespace {

TEST(DropPath, DropsWholeSamplesAndScalesTheRestByOneOverKeep) {
  torch::manual_seed(0);
  const double prob = 0.25, keep = 1.0 - prob;
  const int64_t B = 4000;
  DropPath drop(prob);
  const torch::Tensor x = torch::rand({B, 3, 5}) + 0.5;  // [B, 3, 5], no zeros
  auto input = x.clone().requires_grad_();
  const torch::Tensor y = drop->forward(input);
  const torch::Tensor kept = (y != 0).all(-1).all(-1);  // [B]
  const torch::Tensor dropped = (y == 0).all(-1).all(-1);
  EXPECT_TRUE((kept | dropped).all().item<bool>()) << "a sample is dropped or kept whole";
  EXPECT_TRUE(torch::allclose(y.index({kept}), x.index({kept}) / keep, 1e-6, 0));
  // Binomial(4000, 0.75): standard deviation 27.4 samples.
  EXPECT_NEAR(kept.sum().item<double>(), keep * B, 5 * 27.4);
  y.sum().backward();
  const torch::Tensor expected_grad =
      kept.to(torch::kFloat).view({B, 1, 1}).expand_as(x) / keep;  // d y / d x
  EXPECT_TRUE(torch::allclose(input.grad(), expected_grad, 1e-6, 0));
}

TEST(DropPath, AddToEqualsAddingTheDroppedBranchWithTheSameDraws) {
  DropPath drop(0.4);
  const torch::Tensor residual = torch::randn({64, 5, 3}), x = torch::randn({64, 5, 3});
  for (const bool training : {true, false}) {
    drop->train(training);
    auto ours_r = residual.clone().requires_grad_(), ours_x = x.clone().requires_grad_();
    auto ref_r = residual.clone().requires_grad_(), ref_x = x.clone().requires_grad_();
    torch::manual_seed(3);
    const torch::Tensor ours = drop->add_to(ours_r, ours_x);
    torch::manual_seed(3);
    const torch::Tensor ref = ref_r + drop->forward(ref_x);
    EXPECT_TRUE(torch::allclose(ours, ref, 1e-6, 1e-6)) << training;
    const torch::Tensor grad = torch::randn_like(ref);
    ours.backward(grad);
    ref.backward(grad);
    EXPECT_TRUE(torch::allclose(ours_r.grad(), ref_r.grad(), 1e-6, 1e-6)) << training;
    EXPECT_TRUE(torch::allclose(ours_x.grad(), ref_x.grad(), 1e-6, 1e-6)) << training;
  }
}

TEST(DropPath, IsTheIdentityInEvalModeAndAtRateZero) {
  const torch::Tensor x = torch::randn({8, 4});
  DropPath drop(0.5);
  drop->eval();
  EXPECT_TRUE(torch::equal(drop->forward(x), x));
  DropPath none(0.0);
  EXPECT_TRUE(torch::equal(none->forward(x), x));
}

}  // namespace
}  // namespace swinpp

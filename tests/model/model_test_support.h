// Helpers shared by the model tests.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace swinpp::testing {

/// Gives every parameter random values, the zero-initialised norms included,
/// so that comparisons exercise every weight.
inline void randomize(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters()) p.normal_(0.0, 0.2);
}

/// Expects |a - b| <= tolerance * max|b| elementwise.
inline void expect_close(const torch::Tensor& a, const torch::Tensor& b, const std::string& what,
                         double tolerance = 1e-6) {
  ASSERT_TRUE(a.defined()) << what;
  ASSERT_TRUE(b.defined()) << what;
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = b.abs().max().item<double>();
  EXPECT_LE((a - b).abs().max().item<double>(), tolerance * scale) << what;
}

}  // namespace swinpp::testing

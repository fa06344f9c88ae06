// The non-finite trace names the module whose forward output, or whose
// backward gradient, first stops being finite, on toy modules where each case
// is built by hand: a scale that overflows, a square root whose gradient at 0
// is infinite, and a loss whose gradient is.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "swinpp/model/non_finite_trace.h"
#include "swinpp/util/error.h"

namespace swinpp {
namespace {

/// y = x * scale, reported to the trace.
struct ScaleImpl : torch::nn::Module {
  explicit ScaleImpl(double scale) : scale(scale) {}
  torch::Tensor forward(const torch::Tensor& x) { return trace_non_finite(*this, x, x * scale); }
  double scale;
};
TORCH_MODULE(Scale);

/// y = sqrt(x), reported to the trace: finite at 0, its gradient there is not.
struct SquareRootImpl : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x) {
    return trace_non_finite(*this, x, torch::sqrt(x));
  }
};
TORCH_MODULE(SquareRoot);

/// first (a scale) then stage.root (a square root).
struct ToyImpl : torch::nn::Module {
  explicit ToyImpl(double scale) {
    first = register_module("first", Scale(scale));
    stage = register_module("stage", torch::nn::ModuleDict());
    root = SquareRoot();
    stage->update({{"root", root.ptr()}});
  }
  torch::Tensor forward(const torch::Tensor& x) { return root->forward(first->forward(x)); }
  Scale first{nullptr};
  torch::nn::ModuleDict stage{nullptr};
  SquareRoot root{nullptr};
};
TORCH_MODULE(Toy);

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Runs toy's forward and backward of `loss_of(output)` under `trace`.
template <typename LossOf>
void run(Toy& toy, NonFiniteTrace& trace, const torch::Tensor& x, LossOf loss_of) {
  NonFiniteTraceScope scope(trace);
  loss_of(toy->forward(x)).backward();
}

torch::Tensor input(std::vector<float> values) {
  return torch::tensor(values).requires_grad_(true);
}

TEST(NonFiniteTrace, EverythingFiniteIsSaidSo) {
  Toy toy(2.0);
  NonFiniteTrace trace(*toy);
  run(toy, trace, input({1.0f, 4.0f}), [](const torch::Tensor& y) { return y.sum(); });
  EXPECT_EQ(trace.describe(),
            "every module's output was finite; every gradient between modules was finite");
}

TEST(NonFiniteTrace, NamesTheFirstModuleWhoseOutputIsNotFinite) {
  Toy toy(3e38);  // 10 * 3e38 overflows float32
  NonFiniteTrace trace(*toy);
  run(toy, trace, input({1.0f, 10.0f}), [](const torch::Tensor& y) { return y.sum(); });
  const auto text = trace.describe();
  EXPECT_TRUE(contains(text, "the first output that is not finite is that of 'first'")) << text;
}

TEST(NonFiniteTrace, NamesTheModuleWhoseBackwardMadeTheGradient) {
  // first's output 0 is finite and so is sqrt(0); d sqrt(y)/dy at 0 is not.
  // first's output and stage.root's input are one tensor: its gradient was
  // made by stage.root's backward, not by what uses first's output in general.
  Toy toy(1.0);
  NonFiniteTrace trace(*toy);
  run(toy, trace, input({0.0f, 4.0f}), [](const torch::Tensor& y) { return y.sum(); });
  const auto text = trace.describe();
  EXPECT_TRUE(contains(text, "every module's output was finite")) << text;
  EXPECT_TRUE(contains(
      text, "the first gradient that is not finite was made by the backward of 'stage.root'"))
      << text;
}

TEST(NonFiniteTrace, AGradientThatArrivesNonFiniteIsTracedToWhatUsesTheOutput) {
  // The outputs are 0 and 2; the loss sqrt(y).sum() has an infinite gradient at 0.
  Toy toy(1.0);
  NonFiniteTrace trace(*toy);
  run(toy, trace, input({0.0f, 4.0f}), [](const torch::Tensor& y) { return torch::sqrt(y).sum(); });
  const auto text = trace.describe();
  EXPECT_TRUE(contains(text, "reached the output of 'stage.root' from what uses it")) << text;
}

TEST(NonFiniteTrace, ClearForgetsAndOldGraphsNoLongerReport) {
  Toy toy(1.0);
  NonFiniteTrace trace(*toy);
  torch::Tensor loss;
  {
    NonFiniteTraceScope scope(trace);
    loss = toy->forward(input({0.0f, 4.0f})).sum();
  }
  trace.clear();
  EXPECT_EQ(trace.describe(), "no module reported its output");
  loss.backward();  // the hooks of the cleared calls run and record nothing
  EXPECT_EQ(trace.describe(), "no module reported its output");
}

TEST(NonFiniteTrace, NothingIsRecordedOutsideAScopeOrOutsideTheRoot) {
  Toy toy(3e38), other(3e38);
  NonFiniteTrace trace(*toy);
  toy->forward(input({10.0f})).sum().backward();  // no scope
  EXPECT_EQ(trace.describe(), "no module reported its output");
  run(other, trace, input({10.0f}), [](const torch::Tensor& y) { return y.sum(); });
  EXPECT_EQ(trace.describe(), "no module reported its output");
}

TEST(NonFiniteTrace, OneScopeAtATime) {
  Toy toy(1.0);
  NonFiniteTrace a(*toy), b(*toy);
  NonFiniteTraceScope scope(a);
  EXPECT_THROW(NonFiniteTraceScope second(b), Error);
}

}  // namespace
}  // namespace swinpp

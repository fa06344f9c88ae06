#include "swinpp/model/activation_checkpoint.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model_test_support.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/util/error.h"

namespace swinpp {
namespace {

using testing::expect_close;
using testing::randomize;

/// y = dropout(tanh(x * w) + b): draws from the generator like drop path does.
struct ToyPass {
  torch::Tensor w = torch::randn({6}).requires_grad_();
  torch::Tensor b = torch::randn({6}).requires_grad_();
  int calls = 0;
  std::vector<bool> autocast_seen;

  torch::Tensor operator()(const torch::Tensor& x) {
    ++calls;
    autocast_seen.push_back(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
    return torch::dropout(torch::tanh(x * w) + b, 0.5, /*train=*/true);
  }
  void zero_grad() {
    w.mutable_grad() = torch::Tensor();
    b.mutable_grad() = torch::Tensor();
  }
};

TEST(ActivationCheckpoint, ReplaysTheRandomDrawsAndMatchesThePlainGradients) {
  torch::manual_seed(0);
  ToyPass pass;
  auto x = torch::randn({4, 6}, torch::requires_grad());
  auto weights = torch::randn({4, 6});

  torch::manual_seed(7);
  auto plain = pass(x);
  (plain * weights).sum().backward();
  const auto after_plain = torch::rand({1});
  const auto gw = pass.w.grad().clone(), gb = pass.b.grad().clone(), gx = x.grad().clone();
  pass.zero_grad();
  x.mutable_grad() = torch::Tensor();

  pass.calls = 0;
  torch::manual_seed(7);
  auto checkpointed = activation_checkpoint(std::ref(pass), x);
  EXPECT_EQ(pass.calls, 1);
  ASSERT_TRUE(checkpointed.requires_grad());
  EXPECT_TRUE(torch::equal(checkpointed, plain));
  (checkpointed * weights).sum().backward();
  EXPECT_EQ(pass.calls, 2);  // recomputed once in backward
  // The replay leaves the generator where the forward pass left it.
  EXPECT_TRUE(torch::equal(torch::rand({1}), after_plain));
  expect_close(pass.w.grad(), gw, "w");
  expect_close(pass.b.grad(), gb, "b");
  expect_close(x.grad(), gx, "x");
}

TEST(ActivationCheckpoint, ParametersLearnWhenTheInputNeedsNoGradient) {
  torch::manual_seed(1);
  ToyPass pass;
  const auto x = torch::randn({3, 6});
  torch::manual_seed(3);
  pass(x).sum().backward();
  const auto gw = pass.w.grad().clone();
  pass.zero_grad();

  torch::manual_seed(3);
  auto y = activation_checkpoint(std::ref(pass), x);
  ASSERT_TRUE(y.requires_grad());
  y.sum().backward();
  expect_close(pass.w.grad(), gw, "w");
  EXPECT_FALSE(x.grad().defined());
}

TEST(ActivationCheckpoint, RecomputesUnderTheAutocastOfTheForwardPass) {
  torch::manual_seed(2);
  ToyPass pass;
  auto x = torch::randn({4, 6}, torch::requires_grad());
  const auto identity = torch::eye(6);
  // Under CPU autocast the matmul rounds to bf16, which changes the gradient of w.
  auto rounded_pass = [&](const torch::Tensor& t) { return pass(torch::matmul(t, identity)); };
  auto run = [&](bool checkpoint) {
    pass.zero_grad();
    torch::manual_seed(5);
    at::autocast::set_autocast_enabled(c10::DeviceType::CPU, true);
    at::autocast::set_autocast_dtype(c10::DeviceType::CPU, torch::kBFloat16);
    auto y = checkpoint ? activation_checkpoint(rounded_pass, x) : rounded_pass(x);
    at::autocast::set_autocast_enabled(c10::DeviceType::CPU, false);
    at::autocast::clear_cache();
    y.sum().backward();
    return pass.w.grad().clone();
  };
  const auto plain = run(false);
  pass.autocast_seen.clear();
  const auto checkpointed = run(true);
  EXPECT_EQ(pass.autocast_seen, (std::vector<bool>{true, true}));
  EXPECT_FALSE(at::autocast::is_autocast_enabled(c10::DeviceType::CPU));
  expect_close(checkpointed, plain, "w under autocast");
  // Without autocast the gradient differs: the comparison above can fail.
  pass.zero_grad();
  torch::manual_seed(5);
  rounded_pass(x).sum().backward();
  EXPECT_GT((pass.w.grad() - plain).abs().max().item<double>(), 1e-6);
}

SwinV2Options tiny_with_drop_path() {
  SwinV2Options o;
  o.img_size = 64, o.window_size = 4, o.embed_dim = 16, o.depths = {2, 2, 2, 2};
  o.num_heads = {1, 2, 4, 8}, o.num_classes = 10, o.drop_path_rate = 0.3;
  return o;
}

void set_checkpoint(SwinTransformerV2& model, bool enabled) {
  for (auto& stage : model->stages()) stage->set_checkpoint(enabled);
}

/// Counts the nodes of the graph behind `t` whose name contains `name`.
int count_nodes(const torch::Tensor& t, const std::string& name) {
  std::vector<torch::autograd::Node*> todo{t.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  int count = 0;
  while (!todo.empty()) {
    auto* node = todo.back();
    todo.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    if (node->name().find(name) != std::string::npos) ++count;
    for (const auto& edge : node->next_edges()) todo.push_back(edge.function.get());
  }
  return count;
}

struct StepResult {
  torch::Tensor loss;
  std::map<std::string, torch::Tensor> grads;
};

StepResult training_step(SwinTransformerV2& model, const torch::Tensor& images, int64_t seed) {
  model->zero_grad();
  torch::manual_seed(seed);
  auto logits = model->forward(images);  // [B, classes]
  auto loss = torch::nn::functional::cross_entropy(logits, torch::tensor({3, 7}));
  loss.backward();
  StepResult r{loss.detach(), {}};
  for (const auto& item : model->named_parameters())
    r.grads[item.key()] = item.value().grad().clone();  // zero_grad() may zero in place
  return r;
}

/// Sets every window attention of `model` to the fused or the explicit path.
void set_fused_attention(SwinTransformerV2& model, bool fused) {
  for (const auto& module : model->modules()) {
    if (auto* attention = module->as<WindowAttentionImpl>()) attention->options.fused(fused);
  }
}

TEST(ActivationCheckpoint, SwinV2TrainingStepMatchesThePlainStep) {
  // With the explicit attention the replay gives each of the plain step's
  // gradients to float32 rounding (1e-6 of its largest entry). LibTorch's fused
  // CPU attention rounds its backward differently when the step is recomputed
  // (its buffers lie elsewhere): small, heavily cancelling sums such as the
  // logit scales' gradients then differ by up to ~2e-4 of their own size, so
  // the fused path is held to 2e-5 of the largest gradient entry of the model.
  for (const auto& [fused, tolerance] : {std::pair{false, 1e-6}, std::pair{true, 2e-5}}) {
    torch::manual_seed(0);
    auto options = tiny_with_drop_path();
    options.checkpoint_stages = {true, true, true, true};
    SwinTransformerV2 model(options);
    randomize(*model);
    set_fused_attention(model, fused);
    model->train();
    const auto images = torch::randn({2, 3, 64, 64});

    torch::manual_seed(11);
    EXPECT_EQ(count_nodes(model->forward(images), "CheckpointFunction"), 8);
    const auto checkpointed = training_step(model, images, 11);
    set_checkpoint(model, false);
    torch::manual_seed(11);
    EXPECT_EQ(count_nodes(model->forward(images), "CheckpointFunction"), 0);
    const auto plain = training_step(model, images, 11);
    // Drop path is active: another seed gives another loss.
    const auto other_seed = training_step(model, images, 12);
    EXPECT_GT((other_seed.loss - plain.loss).abs().item<double>(), 1e-4);

    const std::string path = fused ? "fused attention: " : "explicit attention: ";
    expect_close(checkpointed.loss, plain.loss, path + "loss", 1e-6);
    double largest = 0;
    for (const auto& [name, grad] : plain.grads)
      largest = std::max(largest, grad.abs().max().item<double>());
    for (const auto& [name, grad] : plain.grads) {
      ASSERT_TRUE(grad.defined()) << name;
      if (fused) {
        EXPECT_LE((checkpointed.grads.at(name) - grad).abs().max().item<double>(),
                  tolerance * largest)
            << path + name;
      } else {
        expect_close(checkpointed.grads.at(name), grad, path + name, tolerance);
      }
    }
  }
}

TEST(ActivationCheckpoint, OnlyWhileTrainingWithGradients) {
  torch::manual_seed(0);
  auto options = tiny_with_drop_path();
  options.checkpoint_stages = {true, false, true, false};
  SwinTransformerV2 model(options);
  const auto images = torch::randn({1, 3, 64, 64});
  model->train();
  EXPECT_EQ(count_nodes(model->forward(images), "CheckpointFunction"), 4);
  model->eval();
  EXPECT_EQ(count_nodes(model->forward(images), "CheckpointFunction"), 0);
  options.checkpoint_stages = {true, false};
  try {
    SwinTransformerV2 bad(options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint_stages"), std::string::npos) << e.what();
  }
}

TEST(ActivationCheckpoint, ParameterHooksFireOncePerBackwardWithTheGradient) {
  torch::manual_seed(0);
  auto options = tiny_with_drop_path();
  SwinTransformerV2 model(options);
  randomize(*model);
  // The explicit attention replays the plain step to float32 rounding (see
  // SwinV2TrainingStepMatchesThePlainStep): the hooks' gradients compare at 1e-6.
  set_fused_attention(model, false);
  model->train();
  const auto images = torch::randn({2, 3, 64, 64});
  const auto reference = training_step(model, images, 21);

  set_checkpoint(model, true);
  model->zero_grad();
  const char* names[] = {"layers.0.blocks.1.attn.qkv.weight", "layers.1.blocks.0.norm1.weight",
                         "layers.3.blocks.1.mlp.fc2.bias"};
  std::map<std::string, std::vector<torch::Tensor>> seen;
  auto params = model->named_parameters();
  for (const char* name : names)
    params[name].register_hook([&seen, name](torch::Tensor g) { seen[name].push_back(g.clone()); });
  for (int step = 1; step <= 2; ++step) {
    torch::manual_seed(21);
    auto logits = model->forward(images);
    torch::nn::functional::cross_entropy(logits, torch::tensor({3, 7})).backward();
    for (const char* name : names) {
      ASSERT_EQ(seen[name].size(), static_cast<size_t>(step)) << name;
      expect_close(seen[name].back(), reference.grads.at(name), name);
      expect_close(params[name].grad(), step * reference.grads.at(name), name);
    }
  }
}

}  // namespace
}  // namespace swinpp

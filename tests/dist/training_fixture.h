// A small deterministic regression problem shared by the data-parallel tests.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace swinpp::dist::testing {

/// Rows of the global batch; divisible by 2, 3 and by 2 micro-steps of either.
constexpr int64_t kGlobalBatch = 12;

/// An MLP 6 -> 16 -> 16 -> 3 with tanh, initialised from `seed`.
torch::nn::Sequential make_mlp(uint64_t seed);

/// The global batch (inputs [12, 6], targets [12, 3]) of step `step`.
std::pair<torch::Tensor, torch::Tensor> global_batch(int step);

/// Rows [rank * n, (rank + 1) * n) of `t`, n = rows / parts.
torch::Tensor part_of(const torch::Tensor& t, int part, int parts);

/// Mean squared error of the model on (x, y), times `scale`.
torch::Tensor loss_on(torch::nn::Sequential& model, const torch::Tensor& x, const torch::Tensor& y,
                      double scale = 1.0);

/// Copies of the parameters of `model`, detached.
std::vector<torch::Tensor> parameter_values(const torch::nn::Module& model);

/// Writes tensors to `path` / reads them back.
void save_tensors(const std::vector<torch::Tensor>& tensors, const std::string& path);
std::vector<torch::Tensor> load_tensors(const std::string& path);

/// Empty when every tensor of `actual` is within rtol of `expected`
/// (|a - e| <= atol + rtol |e|); else a description of the worst element.
std::string compare(const std::vector<torch::Tensor>& actual,
                    const std::vector<torch::Tensor>& expected, double rtol, double atol = 1e-7);

}  // namespace swinpp::dist::testing

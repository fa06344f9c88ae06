#include "training_fixture.h"

#include <sstream>

namespace swinpp::dist::testing {

torch::nn::Sequential make_mlp(uint64_t seed) {
  torch::manual_seed(seed);
  return torch::nn::Sequential(torch::nn::Linear(6, 16), torch::nn::Tanh(),
                               torch::nn::Linear(16, 16), torch::nn::Tanh(),
                               torch::nn::Linear(16, 3));
}

std::pair<torch::Tensor, torch::Tensor> global_batch(int step) {
  torch::Generator generator = at::detail::createCPUGenerator(1000 + step);
  torch::Tensor x = torch::randn({kGlobalBatch, 6}, generator, torch::kFloat);  // [12, 6]
  torch::Tensor y = torch::randn({kGlobalBatch, 3}, generator, torch::kFloat);  // [12, 3]
  return {x, y};
}

torch::Tensor part_of(const torch::Tensor& t, int part, int parts) {
  const int64_t rows = t.size(0) / parts;
  return t.narrow(0, part * rows, rows);
}

torch::Tensor loss_on(torch::nn::Sequential& model, const torch::Tensor& x, const torch::Tensor& y,
                      double scale) {
  return torch::mse_loss(model->forward(x), y) * scale;
}

std::vector<torch::Tensor> parameter_values(const torch::nn::Module& model) {
  std::vector<torch::Tensor> values;
  for (const torch::Tensor& p : model.parameters()) {
    values.push_back(p.detach().clone());
  }
  return values;
}

void save_tensors(const std::vector<torch::Tensor>& tensors, const std::string& path) {
  torch::save(tensors, path);
}

std::vector<torch::Tensor> load_tensors(const std::string& path) {
  std::vector<torch::Tensor> tensors;
  torch::load(tensors, path);
  return tensors;
}

std::string compare(const std::vector<torch::Tensor>& actual,
                    const std::vector<torch::Tensor>& expected, double rtol, double atol) {
  if (actual.size() != expected.size()) {
    return "expected " + std::to_string(expected.size()) + " tensors, found " +
           std::to_string(actual.size());
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i].sizes() != expected[i].sizes()) {
      return "tensor " + std::to_string(i) + ": shape " + c10::str(actual[i].sizes()) +
             " instead of " + c10::str(expected[i].sizes());
    }
    const torch::Tensor excess =
        (actual[i] - expected[i]).abs() - (atol + rtol * expected[i].abs());
    if (excess.max().item<double>() > 0) {
      const int64_t worst = excess.reshape({-1}).argmax().item<int64_t>();
      std::ostringstream out;
      out << "tensor " << i << " element " << worst << ": "
          << actual[i].reshape({-1})[worst].item<double>() << " vs expected "
          << expected[i].reshape({-1})[worst].item<double>() << " (rtol " << rtol << ")";
      return out.str();
    }
  }
  return "";
}

}  // namespace swinpp::dist::testing

#include "swinpp/train/adamw_state.h"

#include <torch/torch.h>

#include <string>
#include <type_traits>

#include "swinpp/util/error.h"

namespace swinpp::train {
namespace {

torch::optim::AdamW& as_adamw(optim::Optimizer& optimizer) {
  auto* adamw = dynamic_cast<torch::optim::AdamW*>(&optimizer.torch_optimizer());
  if (adamw == nullptr) throw Error("optimizer state: expected an AdamW optimizer, found SGD");
  return *adamw;
}

/// The key LibTorch files a parameter's state under (a string in 1.13, the
/// TensorImpl address in 2.x).
template <typename Map>
typename Map::key_type state_key(const torch::Tensor& param) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    return c10::guts::to_string(param.unsafeGetTensorImpl());
  } else {
    return static_cast<Key>(param.unsafeGetTensorImpl());
  }
}

}  // namespace

dist::ZeroState adamw_state_of(optim::Optimizer& optimizer) {
  auto& states = as_adamw(optimizer).state();
  using Map = std::remove_reference_t<decltype(states)>;
  dist::ZeroState out;
  for (const torch::Tensor& param : optimizer.parameters()) {
    const auto it = states.find(state_key<Map>(param));
    if (it == states.end()) {
      out.exp_avg.push_back(torch::zeros(param.sizes(), param.options().device(torch::kCPU)));
      out.exp_avg_sq.push_back(torch::zeros(param.sizes(), param.options().device(torch::kCPU)));
      continue;
    }
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    out.step = std::max<int64_t>(out.step, s.step());
    out.exp_avg.push_back(s.exp_avg().detach().cpu().clone());
    out.exp_avg_sq.push_back(s.exp_avg_sq().detach().cpu().clone());
  }
  return out;
}

void load_adamw_state(optim::Optimizer& optimizer, const dist::ZeroState& state) {
  auto& states = as_adamw(optimizer).state();
  using Map = std::remove_reference_t<decltype(states)>;
  const auto params = optimizer.parameters();
  if (state.exp_avg.size() != params.size() || state.exp_avg_sq.size() != params.size())
    throw Error("optimizer state: expected moments for " + std::to_string(params.size()) +
                " parameters, found " + std::to_string(state.exp_avg.size()));
  for (size_t p = 0; p < params.size(); ++p) {
    if (state.exp_avg[p].sizes() != params[p].sizes() ||
        state.exp_avg_sq[p].sizes() != params[p].sizes())
      throw Error("optimizer state: parameter " + std::to_string(p) + " has shape " +
                  c10::str(params[p].sizes()) + ", the saved moments " +
                  c10::str(state.exp_avg[p].sizes()));
  }
  states.clear();
  for (size_t p = 0; p < params.size(); ++p) {
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(state.step);
    s->exp_avg(state.exp_avg[p].to(params[p].options()).clone());
    s->exp_avg_sq(state.exp_avg_sq[p].to(params[p].options()).clone());
    states[state_key<Map>(params[p])] = std::move(s);
  }
}

}  // namespace swinpp::train

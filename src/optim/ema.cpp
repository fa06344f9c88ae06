#include "swinpp/optim/ema.h"

#include <torch/torch.h>

#include <set>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

NamedTensors to_vector(const torch::OrderedDict<std::string, torch::Tensor>& dict) {
  NamedTensors named;
  for (const auto& item : dict) {
    named.emplace_back(item.key(), item.value());
  }
  return named;
}

NamedTensors detached_copies(const NamedTensors& source) {
  NamedTensors copies;
  for (const auto& [name, tensor] : source) {
    copies.emplace_back(name, tensor.detach().clone());
  }
  return copies;
}

/// Checks that `live` lists the same tensors, in the same order and shapes, as `kept`.
void check_matches(const NamedTensors& kept, const NamedTensors& live, const char* what) {
  if (kept.size() != live.size()) {
    throw Error(std::string("EMA: expected ") + std::to_string(kept.size()) + " " + what +
                ", the module has " + std::to_string(live.size()));
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    if (kept[i].first != live[i].first || !kept[i].second.sizes().equals(live[i].second.sizes())) {
      throw Error(std::string("EMA: expected ") + what + " '" + kept[i].first + "' " +
                  c10::str(kept[i].second.sizes()) + ", found '" + live[i].first + "' " +
                  c10::str(live[i].second.sizes()));
    }
  }
}

void copy_into(const NamedTensors& source, const NamedTensors& target) {
  for (size_t i = 0; i < source.size(); ++i) {
    target[i].second.copy_(source[i].second);
  }
}

}  // namespace

ModelEma::ModelEma(const torch::nn::Module& module, double decay) : decay_(decay) {
  if (!(decay >= 0.0 && decay <= 1.0)) {
    throw Error("EMA: expected a decay in [0, 1], found " + std::to_string(decay));
  }
  torch::NoGradGuard no_grad;
  params_ = detached_copies(to_vector(module.named_parameters()));
  buffers_ = detached_copies(to_vector(module.named_buffers()));
}

void ModelEma::bind(const torch::nn::Module& module) {
  const NamedTensors params = to_vector(module.named_parameters());
  const NamedTensors buffers = to_vector(module.named_buffers());
  check_matches(params_, params, "parameters");
  check_matches(buffers_, buffers, "buffers");
  averages_.clear(), currents_.clear(), copies_.clear(), sources_.clear();
  for (size_t i = 0; i < params_.size(); ++i) {
    const bool floating = params_[i].second.is_floating_point();
    (floating ? averages_ : copies_).push_back(params_[i].second);
    (floating ? currents_ : sources_).push_back(params[i].second);
  }
  for (size_t i = 0; i < buffers_.size(); ++i) {
    copies_.push_back(buffers_[i].second);
    sources_.push_back(buffers[i].second);
  }
  bound_ = &module;
}

void ModelEma::update(const torch::nn::Module& module) {
  if (bound_ != &module) bind(module);
  torch::NoGradGuard no_grad;
  if (!averages_.empty()) {
    torch::_foreach_mul_(averages_, decay_);
    torch::_foreach_add_(averages_, currents_, 1.0 - decay_);
  }
  if (!copies_.empty()) torch::_foreach_copy_(copies_, sources_);
}

void ModelEma::store(const torch::nn::Module& module) {
  const NamedTensors params = to_vector(module.named_parameters());
  const NamedTensors buffers = to_vector(module.named_buffers());
  check_matches(params_, params, "parameters");
  check_matches(buffers_, buffers, "buffers");
  torch::NoGradGuard no_grad;
  stored_params_ = detached_copies(params);
  stored_buffers_ = detached_copies(buffers);
}

void ModelEma::copy_to(torch::nn::Module& module) const {
  const NamedTensors params = to_vector(module.named_parameters());
  const NamedTensors buffers = to_vector(module.named_buffers());
  check_matches(params_, params, "parameters");
  check_matches(buffers_, buffers, "buffers");
  torch::NoGradGuard no_grad;
  copy_into(params_, params);
  copy_into(buffers_, buffers);
}

void ModelEma::restore(torch::nn::Module& module) {
  if (stored_params_.empty() && stored_buffers_.empty()) {
    throw Error("EMA: restore() expected weights kept by store(), found none");
  }
  const NamedTensors params = to_vector(module.named_parameters());
  const NamedTensors buffers = to_vector(module.named_buffers());
  check_matches(stored_params_, params, "parameters");
  check_matches(stored_buffers_, buffers, "buffers");
  torch::NoGradGuard no_grad;
  copy_into(stored_params_, params);
  copy_into(stored_buffers_, buffers);
  stored_params_.clear();
  stored_buffers_.clear();
}

std::map<std::string, torch::Tensor> ModelEma::state_dict() const {
  std::map<std::string, torch::Tensor> state;
  for (const NamedTensors* group : {&params_, &buffers_}) {
    for (const auto& [name, tensor] : *group) {
      state.emplace(name, tensor);
    }
  }
  return state;
}

void ModelEma::load_state_dict(const std::map<std::string, torch::Tensor>& state) {
  std::set<std::string> expected;
  for (const NamedTensors* group : {&params_, &buffers_}) {
    for (const auto& [name, tensor] : *group) {
      expected.insert(name);
      const auto found = state.find(name);
      if (found == state.end()) {
        throw Error("EMA state: missing tensor '" + name + "'");
      }
      if (!found->second.sizes().equals(tensor.sizes())) {
        throw Error("EMA state: tensor '" + name + "' expected shape " + c10::str(tensor.sizes()) +
                    ", found " + c10::str(found->second.sizes()));
      }
    }
  }
  for (const auto& item : state) {
    if (expected.count(item.first) == 0) {
      throw Error("EMA state: unexpected tensor '" + item.first + "'");
    }
  }
  torch::NoGradGuard no_grad;
  for (NamedTensors* group : {&params_, &buffers_}) {
    for (auto& [name, tensor] : *group) {
      tensor.copy_(state.at(name));
    }
  }
}

}  // namespace swinpp::optim

#include "swinpp/optim/optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

std::unique_ptr<torch::optim::SGD> make_sgd(const std::vector<ParamGroup>& groups,
                                            const OptimizerOptions& options) {
  std::vector<torch::optim::OptimizerParamGroup> torch_groups;
  for (const ParamGroup& group : groups) {
    torch_groups.emplace_back(group.params,
                              std::make_unique<torch::optim::SGDOptions>(
                                  torch::optim::SGDOptions(options.base_lr * group.lr_scale)
                                      .momentum(options.momentum)
                                      .nesterov(options.nesterov)
                                      .weight_decay(group.weight_decay)));
  }
  return std::make_unique<torch::optim::SGD>(
      std::move(torch_groups),
      torch::optim::SGDOptions(options.base_lr).momentum(options.momentum));
}

std::unique_ptr<FusedAdamW> make_adamw(const std::vector<ParamGroup>& groups,
                                       const OptimizerOptions& options) {
  std::vector<FusedAdamWGroup> adamw_groups;
  for (const ParamGroup& group : groups)
    adamw_groups.push_back({group.params, options.base_lr * group.lr_scale, group.weight_decay});
  return std::make_unique<FusedAdamW>(std::move(adamw_groups), options.betas[0], options.betas[1],
                                      options.eps);
}

}  // namespace

OptimizerKind parse_optimizer_kind(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "adamw") {
    return OptimizerKind::kAdamW;
  }
  if (lower == "sgd") {
    return OptimizerKind::kSgd;
  }
  throw Error("TRAIN.OPTIMIZER.NAME: expected adamw or sgd, found '" + name + "'");
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& options)
    : groups_(std::move(groups)), options_(options) {
  if (groups_.empty()) {
    throw Error("optimizer: expected at least one parameter group, found none");
  }
  for (const ParamGroup& group : groups_) {
    if (group.params.empty()) {
      throw Error("optimizer: parameter group '" + group.name + "' has no parameters");
    }
  }
  if (options_.kind == OptimizerKind::kSgd && options_.nesterov && options_.momentum <= 0.0) {
    throw Error("optimizer: Nesterov SGD needs momentum > 0, found " +
                std::to_string(options_.momentum));
  }
  if (options_.kind == OptimizerKind::kAdamW) {
    adamw_ = make_adamw(groups_, options_);
  } else {
    sgd_ = make_sgd(groups_, options_);
  }
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

void Optimizer::set_lr(double base_lr) {
  for (size_t i = 0; i < groups_.size(); ++i) {
    const double lr = base_lr * groups_[i].lr_scale;
    if (adamw_) {
      adamw_->set_lr(i, lr);
    } else {
      sgd_->param_groups()[i].options().set_lr(lr);
    }
  }
}

double Optimizer::group_lr(size_t index) const {
  if (index >= groups_.size()) {
    throw Error("optimizer: group index " + std::to_string(index) + " out of range (" +
                std::to_string(groups_.size()) + " groups)");
  }
  return adamw_ ? adamw_->lr(index) : sgd_->param_groups()[index].options().get_lr();
}

void Optimizer::zero_grad() {
  torch::NoGradGuard no_grad;
  for (const ParamGroup& group : groups_) {
    for (const torch::Tensor& param : group.params) {
      if (param.grad().defined()) param.mutable_grad().reset();
    }
  }
}

void Optimizer::step(const torch::Tensor& found_inf) {
  if (adamw_) {
    adamw_->step(found_inf);
  } else if (!found_inf.defined() || found_inf.item<float>() == 0.0f) {
    sgd_->step();
  }
}

int64_t Optimizer::state_bytes() const {
  const auto bytes = [](const torch::Tensor& t) {
    return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : int64_t{0};
  };
  int64_t total = 0;
  if (adamw_) {
    for (size_t i = 0; i < adamw_->parameters().size(); ++i)
      total += bytes(adamw_->exp_avg(i)) + bytes(adamw_->exp_avg_sq(i));
    return total;
  }
  for (const auto& [key, state] : sgd_->state())
    total += bytes(static_cast<const torch::optim::SGDParamState&>(*state).momentum_buffer());
  return total;
}

std::vector<torch::Tensor> Optimizer::parameters() const {
  std::vector<torch::Tensor> params;
  for (const ParamGroup& group : groups_) {
    params.insert(params.end(), group.params.begin(), group.params.end());
  }
  return params;
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const {
  archive.write("groups", torch::tensor(static_cast<int64_t>(groups_.size())));
  if (adamw_) {
    adamw_->save(archive);
  } else {
    sgd_->save(archive);
  }
}

void Optimizer::load(torch::serialize::InputArchive& archive) {
  torch::Tensor groups;
  if (!archive.try_read("groups", groups) ||
      groups.item<int64_t>() != static_cast<int64_t>(groups_.size()))
    throw Error("optimizer state: expected " + std::to_string(groups_.size()) +
                " parameter groups, found " +
                (groups.defined() ? std::to_string(groups.item<int64_t>()) : std::string("none")));
  try {
    if (adamw_) {
      adamw_->load(archive);
    } else {
      sgd_->load(archive);
    }
  } catch (const c10::Error& error) {
    throw Error("optimizer state: expected " + std::to_string(groups_.size()) +
                " groups matching this model's parameters, loading failed: " +
                error.what_without_backtrace());
  }
}

}  // namespace swinpp::optim

#include "swinpp/optim/optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

std::unique_ptr<torch::optim::OptimizerOptions> group_options(const OptimizerOptions& options,
                                                              double lr, double weight_decay) {
  switch (options.kind) {
    case OptimizerKind::kAdamW:
      return std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(lr)
              .betas(std::make_tuple(options.betas[0], options.betas[1]))
              .eps(options.eps)
              .weight_decay(weight_decay));
    case OptimizerKind::kSgd:
      return std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr)
                                                            .momentum(options.momentum)
                                                            .nesterov(options.nesterov)
                                                            .weight_decay(weight_decay));
  }
  throw Error("unknown optimizer kind");
}

std::unique_ptr<torch::optim::Optimizer> make_torch_optimizer(const std::vector<ParamGroup>& groups,
                                                              const OptimizerOptions& options) {
  std::vector<torch::optim::OptimizerParamGroup> torch_groups;
  for (const ParamGroup& group : groups) {
    torch_groups.emplace_back(
        group.params, group_options(options, options.base_lr * group.lr_scale, group.weight_decay));
  }
  switch (options.kind) {
    case OptimizerKind::kAdamW:
      return std::make_unique<torch::optim::AdamW>(
          std::move(torch_groups), torch::optim::AdamWOptions(options.base_lr)
                                       .betas(std::make_tuple(options.betas[0], options.betas[1]))
                                       .eps(options.eps));
    case OptimizerKind::kSgd:
      return std::make_unique<torch::optim::SGD>(
          std::move(torch_groups),
          torch::optim::SGDOptions(options.base_lr).momentum(options.momentum));
  }
  throw Error("unknown optimizer kind");
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
  optimizer_ = make_torch_optimizer(groups_, options_);
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

void Optimizer::set_lr(double base_lr) {
  auto& torch_groups = optimizer_->param_groups();
  for (size_t i = 0; i < groups_.size(); ++i) {
    torch_groups[i].options().set_lr(base_lr * groups_[i].lr_scale);
  }
}

double Optimizer::group_lr(size_t index) const {
  const auto& torch_groups = optimizer_->param_groups();
  if (index >= torch_groups.size()) {
    throw Error("optimizer: group index " + std::to_string(index) + " out of range (" +
                std::to_string(torch_groups.size()) + " groups)");
  }
  return torch_groups[index].options().get_lr();
}

void Optimizer::zero_grad() { optimizer_->zero_grad(); }

void Optimizer::step() { optimizer_->step(); }

std::vector<torch::Tensor> Optimizer::parameters() const {
  std::vector<torch::Tensor> params;
  for (const ParamGroup& group : groups_) {
    params.insert(params.end(), group.params.begin(), group.params.end());
  }
  return params;
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const { optimizer_->save(archive); }

void Optimizer::load(torch::serialize::InputArchive& archive) {
  try {
    optimizer_->load(archive);
  } catch (const c10::Error& error) {
    throw Error("optimizer state: expected " + std::to_string(groups_.size()) +
                " groups matching this model's parameters, loading failed: " +
                error.what_without_backtrace());
  }
}

}  // namespace swinpp::optim

#include "swinpp/optim/fused_adamw.h"

#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

std::string shape_of(const torch::Tensor& t) { return c10::str(t.sizes()); }

/// The learning rate of `lrs` that lives on `device`, or an undefined tensor.
torch::Tensor device_lr(const std::vector<torch::Tensor>& lrs, const torch::Device& device) {
  for (const torch::Tensor& lr : lrs)
    if (lr.device() == device) return lr;
  return {};
}

torch::Tensor read_entry(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor value;
  if (!archive.try_read(key, value)) throw Error("AdamW state: missing entry '" + key + "'");
  return value;
}

}  // namespace

FusedAdamW::FusedAdamW(std::vector<FusedAdamWGroup> groups, double beta1, double beta2, double eps)
    : groups_(std::move(groups)), beta1_(beta1), beta2_(beta2), eps_(eps) {
  torch::NoGradGuard no_grad;
  for (const FusedAdamWGroup& group : groups_) {
    for (const torch::Tensor& param : group.params) {
      if (!param.defined() || !param.is_floating_point())
        throw Error("AdamW: parameter " + std::to_string(params_.size()) +
                    " is not a floating-point tensor");
      params_.push_back(param);
      exp_avg_.push_back(torch::zeros_like(param, torch::MemoryFormat::Preserve));
      exp_avg_sq_.push_back(torch::zeros_like(param, torch::MemoryFormat::Preserve));
      steps_.push_back(torch::zeros({}, param.options().dtype(torch::kFloat)));
    }
    std::vector<torch::Tensor> lrs;
    for (const torch::Tensor& param : group.params) {
      if (device_lr(lrs, param.device()).defined()) continue;
      // The CUDA kernel reads float32; the CPU one takes float64, exactly the set value.
      const auto dtype = param.is_cuda() ? torch::kFloat : torch::kDouble;
      lrs.push_back(torch::full({}, group.lr, param.options().dtype(dtype)));  // []
    }
    device_lrs_.push_back(std::move(lrs));
  }
}

void FusedAdamW::set_lr(size_t index, double lr) {
  if (index >= groups_.size())
    throw Error("AdamW: group index " + std::to_string(index) + " out of range (" +
                std::to_string(groups_.size()) + " groups)");
  groups_[index].lr = lr;
  torch::NoGradGuard no_grad;
  for (torch::Tensor& device_copy : device_lrs_[index]) device_copy.fill_(lr);
}

void FusedAdamW::step(const torch::Tensor& found_inf) {
  torch::NoGradGuard no_grad;
  size_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const FusedAdamWGroup& group = groups_[g];
    /// The tensor lists of one kernel launch: parameters of one device and dtype.
    struct Launch {
      std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
    };
    std::map<std::tuple<c10::DeviceType, c10::DeviceIndex, c10::ScalarType>, Launch> launches;
    for (size_t j = 0; j < group.params.size(); ++j, ++index) {
      const torch::Tensor& param = params_[index];
      const torch::Tensor& grad = param.grad();
      if (!grad.defined()) continue;
      Launch& launch =
          launches[{param.device().type(), param.device().index(), param.scalar_type()}];
      launch.params.push_back(param);
      launch.grads.push_back(grad);
      launch.exp_avgs.push_back(exp_avg_[index]);
      launch.exp_avg_sqs.push_back(exp_avg_sq_[index]);
      launch.steps.push_back(steps_[index]);
    }
    for (auto& [key, launch] : launches) {
      std::optional<torch::Tensor> skip;  // [] on this launch's device
      if (found_inf.defined())
        skip = found_inf.to(launch.params.front().device(), torch::kFloat, /*non_blocking=*/true)
                   .reshape({});
      at::_foreach_add_(launch.steps, 1.0);
      at::_fused_adamw_(launch.params, launch.grads, launch.exp_avgs, launch.exp_avg_sqs,
                        /*max_exp_avg_sqs=*/{}, launch.steps,
                        device_lr(device_lrs_[g], launch.params.front().device()), beta1_, beta2_,
                        group.weight_decay, eps_, /*amsgrad=*/false, /*maximize=*/false,
                        /*grad_scale=*/std::nullopt, skip);
      if (skip) at::_foreach_add_(launch.steps, *skip, /*alpha=*/-1.0);  // a skipped step
    }
  }
}

int64_t FusedAdamW::step_count(size_t index) const {
  return static_cast<int64_t>(steps_.at(index).item<float>());
}

void FusedAdamW::load_state(int64_t step, const std::vector<torch::Tensor>& exp_avg,
                            const std::vector<torch::Tensor>& exp_avg_sq) {
  if (exp_avg.size() != params_.size() || exp_avg_sq.size() != params_.size())
    throw Error("AdamW state: expected moments for " + std::to_string(params_.size()) +
                " parameters, found " + std::to_string(exp_avg.size()));
  for (size_t p = 0; p < params_.size(); ++p) {
    if (exp_avg[p].sizes() != params_[p].sizes() || exp_avg_sq[p].sizes() != params_[p].sizes())
      throw Error("AdamW state: parameter " + std::to_string(p) + " has shape " +
                  shape_of(params_[p]) + ", the saved moments " + shape_of(exp_avg[p]));
  }
  torch::NoGradGuard no_grad;
  for (size_t p = 0; p < params_.size(); ++p) {
    exp_avg_[p].copy_(exp_avg[p]);
    exp_avg_sq_[p].copy_(exp_avg_sq[p]);
    steps_[p].fill_(static_cast<double>(step));
  }
}

void FusedAdamW::save(torch::serialize::OutputArchive& archive) const {
  for (size_t p = 0; p < params_.size(); ++p) {
    const std::string n = std::to_string(p);
    archive.write("exp_avg." + n, exp_avg_[p].cpu());
    archive.write("exp_avg_sq." + n, exp_avg_sq_[p].cpu());
    archive.write("step." + n, steps_[p].cpu());
  }
}

void FusedAdamW::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> avg, avg_sq, steps;
  for (size_t p = 0; p < params_.size(); ++p) {
    const std::string n = std::to_string(p);
    avg.push_back(read_entry(archive, "exp_avg." + n));
    avg_sq.push_back(read_entry(archive, "exp_avg_sq." + n));
    steps.push_back(read_entry(archive, "step." + n));
    if (avg.back().sizes() != params_[p].sizes() || avg_sq.back().sizes() != params_[p].sizes())
      throw Error("AdamW state: parameter " + n + " has shape " + shape_of(params_[p]) +
                  ", the saved moments " + shape_of(avg.back()));
  }
  torch::Tensor extra;
  if (archive.try_read("exp_avg." + std::to_string(params_.size()), extra))
    throw Error("AdamW state: holds more than this optimizer's " + std::to_string(params_.size()) +
                " parameters");
  for (size_t p = 0; p < params_.size(); ++p) {
    exp_avg_[p].copy_(avg[p]);
    exp_avg_sq_[p].copy_(avg_sq[p]);
    steps_[p].copy_(steps[p]);
  }
}

}  // namespace swinpp::optim

#include "swinpp/dist/zero_optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_set>

#include "collective_checks.h"
#include "flat_layout.h"
#include "sharded_gradient_buckets.h"
#include "swinpp/dist/gradient_reducer.h"
#include "swinpp/optim/grad_clip.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

std::vector<torch::Tensor> checked_parameters(const std::vector<ZeroParamGroup>& groups) {
  std::vector<torch::Tensor> params;
  std::unordered_set<const void*> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t j = 0; j < groups[g].params.size(); ++j) {
      const torch::Tensor& param = groups[g].params[j];
      const std::string name =
          "ZeroAdamW: parameter " + std::to_string(j) + " of group " + std::to_string(g);
      if (!param.defined() || param.scalar_type() != torch::kFloat || !param.is_contiguous()) {
        throw Error(name + ": expected a contiguous float32 tensor, found " +
                    detail::describe(param));
      }
      if (!params.empty() && param.device() != params.front().device()) {
        throw Error(name + ": expected every parameter on " + params.front().device().str() +
                    ", found " + param.device().str());
      }
      if (!seen.insert(param.unsafeGetTensorImpl()).second) {
        throw Error(name + ": the same tensor appears twice in the groups");
      }
      params.push_back(param);
    }
  }
  if (params.empty()) {
    throw Error("ZeroAdamW: expected at least one parameter, found none");
  }
  return params;
}

std::vector<std::vector<int64_t>> group_numels(const std::vector<ZeroParamGroup>& groups) {
  std::vector<std::vector<int64_t>> numels;
  for (const ZeroParamGroup& group : groups) {
    numels.emplace_back();
    for (const torch::Tensor& param : group.params) {
      numels.back().push_back(param.numel());
    }
  }
  return numels;
}

/// `params` in model registration order (the reverse of `gradient_order`,
/// parameters it leaves out first), the order a GradientReducer buckets in reverse.
std::vector<torch::Tensor> registration_order(const std::vector<torch::Tensor>& params,
                                              const std::vector<torch::Tensor>& gradient_order) {
  std::unordered_set<const void*> trained, listed;
  for (const auto& p : params) trained.insert(p.unsafeGetTensorImpl());
  std::vector<torch::Tensor> order;
  for (auto it = gradient_order.rbegin(); it != gradient_order.rend(); ++it)
    if (trained.count(it->unsafeGetTensorImpl()) && listed.insert(it->unsafeGetTensorImpl()).second)
      order.push_back(*it);
  std::vector<torch::Tensor> missing;
  for (const auto& p : params)
    if (!listed.count(p.unsafeGetTensorImpl())) missing.push_back(p);
  order.insert(order.begin(), missing.begin(), missing.end());
  return order;
}

}  // namespace

ZeroAdamW::ZeroAdamW(std::vector<ZeroParamGroup> groups, Communicator& comm,
                     const ZeroOptions& options)
    : groups_(std::move(groups)),
      params_(checked_parameters(groups_)),
      comm_(comm),
      options_(options),
      base_lr_(options.lr) {
  if (options.stage != 1 && options.stage != 2) {
    throw Error("DIST.ZERO_STAGE: expected 1 or 2 for ZeroAdamW, found " +
                std::to_string(options.stage));
  }
  layout_ =
      std::make_unique<detail::FlatLayout>(group_numels(groups_), comm.world_size(), comm.rank());
  const auto float_options = params_.front().options().requires_grad(false);
  const int64_t shard = layout_->shard_numel();
  grad_shard_ = torch::zeros({shard}, float_options);  // [shard]
  if (options.stage == 1) {
    GradientReducerOptions reducer_options;
    reducer_options.bucket_bytes = options.bucket_bytes;
    reducer_ = std::make_unique<GradientReducer>(
        registration_order(params_, options.gradient_order), comm_, reducer_options);
  } else {
    buckets_ = std::make_unique<detail::ShardedGradientBuckets>(
        params_, options.gradient_order, *layout_, comm_, grad_shard_, options.bucket_bytes,
        options.max_in_flight);
  }
  param_shard_ = torch::zeros({shard}, float_options);           // [shard]
  exp_avg_ = torch::zeros({shard}, float_options);               // [shard]
  exp_avg_sq_ = torch::zeros({shard}, float_options);            // [shard]
  step_ = torch::zeros({}, float_options.dtype(torch::kFloat));  // []
}

int64_t ZeroAdamW::step_count() const { return static_cast<int64_t>(step_.item<float>()); }

ZeroAdamW::~ZeroAdamW() = default;

int64_t ZeroAdamW::state_bytes() const {
  return (exp_avg_.numel() + exp_avg_sq_.numel()) * static_cast<int64_t>(exp_avg_.element_size());
}

int64_t ZeroAdamW::gradient_bytes() const {
  const int64_t shard = grad_shard_.numel() * static_cast<int64_t>(grad_shard_.element_size());
  return reducer_ ? reducer_->buffer_bytes() + shard : shard;
}

int64_t ZeroAdamW::bucket_peak_bytes() const {
  return buckets_ ? buckets_->peak_buffer_bytes() : 0;
}

void ZeroAdamW::reset_bucket_peak() {
  if (buckets_) buckets_->reset_peak();
}

int64_t ZeroAdamW::total_numel() const { return layout_->total_numel(); }

int64_t ZeroAdamW::shard_numel() const { return layout_->shard_numel(); }

void ZeroAdamW::read_gradient_shard() {
  for (const detail::FlatLayout::Overlap& overlap : layout_->shard_overlaps()) {
    const torch::Tensor& grad = params_[overlap.param].grad();
    torch::Tensor slot = grad_shard_.narrow(0, overlap.range_begin, overlap.length);
    if (grad.defined())
      slot.copy_(grad.reshape({-1}).narrow(0, overlap.param_begin, overlap.length));
    else
      slot.zero_();
  }
}

void ZeroAdamW::prepare_backward(bool last_micro_step) {
  if (reducer_) reducer_->set_sync(last_micro_step);
  if (buckets_) buckets_->finish();
}

void ZeroAdamW::finish_backward() {
  if (!reduced_) reduce_gradients();
}

std::vector<torch::Tensor> ZeroAdamW::gradients() const {
  if (buckets_ || reduced_) return {grad_shard_};
  std::vector<torch::Tensor> grads;
  for (const torch::Tensor& param : params_)
    if (param.grad().defined()) grads.push_back(param.grad());
  return grads;
}

void ZeroAdamW::reduce_gradients() {
  torch::NoGradGuard no_grad;
  if (buckets_) {
    buckets_->finish();  // grad_shard_ holds the sum over ranks and micro-steps
    grad_shard_.div_(comm_.world_size());
  } else {
    reducer_->set_sync(true);
    reducer_->finalize();  // every .grad holds the average
    read_gradient_shard();
  }
  reduced_ = true;
}

torch::Tensor ZeroAdamW::clip_grad_norm(double max_norm, const torch::Tensor& found_inf) {
  if (!reduced_) {
    reduce_gradients();
  }
  torch::NoGradGuard no_grad;
  // The sum of squares over every rank's shard and the ranks' found-inf flags:
  // one all-reduce of two numbers.
  torch::Tensor packed = grad_shard_.norm().to(torch::kDouble).square().reshape({1});  // [1]
  if (found_inf.defined())
    packed =
        torch::cat({packed, found_inf.to(packed.device(), torch::kDouble).reshape({1})});  // [2]
  comm_.all_reduce_sum(packed);
  if (found_inf.defined()) found_inf.copy_(packed.narrow(0, 1, 1).clamp_max(1.0));
  const torch::Tensor norm = packed.narrow(0, 0, 1).sqrt().to(torch::kFloat);  // [1]
  optim::clip_to_norm({grad_shard_}, norm, max_norm);
  return norm;
}

void ZeroAdamW::read_parameter_shard() {
  for (const detail::FlatLayout::Overlap& overlap : layout_->shard_overlaps()) {
    param_shard_.narrow(0, overlap.range_begin, overlap.length)
        .copy_(params_[overlap.param].view({-1}).narrow(0, overlap.param_begin, overlap.length));
  }
}

void ZeroAdamW::step(const torch::Tensor& found_inf) {
  if (!reduced_) {
    reduce_gradients();
  }
  torch::NoGradGuard no_grad;
  std::optional<torch::Tensor> skip;  // [] on the shard's device
  if (found_inf.defined())
    skip = found_inf.to(param_shard_.device(), torch::kFloat, /*non_blocking=*/true).reshape({});
  step_.add_(1.0);
  read_parameter_shard();
  // LibTorch's fused AdamW kernel on each group's stretch of the shard, with
  // that group's learning rate and weight decay: the update of FusedAdamW.
  for (const detail::FlatLayout::Run& run : layout_->shard_runs()) {
    const ZeroParamGroup& group = groups_[run.group];
    at::_fused_adamw_({param_shard_.narrow(0, run.shard_begin, run.length)},
                      {grad_shard_.narrow(0, run.shard_begin, run.length)},
                      {exp_avg_.narrow(0, run.shard_begin, run.length)},
                      {exp_avg_sq_.narrow(0, run.shard_begin, run.length)},
                      /*max_exp_avg_sqs=*/{}, {step_}, base_lr_ * group.lr_scale, options_.beta1,
                      options_.beta2, group.weight_decay, options_.eps, /*amsgrad=*/false,
                      /*maximize=*/false, /*grad_scale=*/std::nullopt, skip);
  }
  if (skip) step_.sub_(*skip);  // a skipped step
  gather_parameters_in_chunks();
  reduced_ = false;
}

void ZeroAdamW::gather_parameters_in_chunks() {
  // No whole-size buffer: the updated shards are gathered a bucket's worth at
  // a time, each rank's piece written into the parameters.
  const int world = comm_.world_size();
  const int64_t shard = layout_->shard_numel();
  const int64_t chunk = std::min(shard, std::max<int64_t>(1, options_.bucket_bytes / 4 / world));
  torch::Tensor gathered =
      torch::empty({world * chunk}, param_shard_.options());  // [world * chunk]
  for (int64_t begin = 0; begin < shard; begin += chunk) {
    const int64_t length = std::min(chunk, shard - begin);
    torch::Tensor out = gathered.narrow(0, 0, world * length);  // [world * length]
    comm_.all_gather(param_shard_.narrow(0, begin, length), out);
    for (int r = 0; r < world; ++r)
      write_flat_range(r * shard + begin, out.narrow(0, r * length, length));
  }
}

void ZeroAdamW::write_flat_range(int64_t flat_begin, const torch::Tensor& values) {
  const auto& segments = layout_->segments();
  const int64_t flat_end = flat_begin + values.numel();
  // The first parameter ending after flat_begin (segments are in flat order).
  auto it = std::upper_bound(
      segments.begin(), segments.end(), flat_begin,
      [](int64_t at, const detail::FlatLayout::Segment& s) { return at < s.offset + s.numel; });
  for (; it != segments.end() && it->offset < flat_end; ++it) {
    const int64_t begin = std::max(flat_begin, it->offset);
    const int64_t end = std::min(flat_end, it->offset + it->numel);
    params_[static_cast<size_t>(it - segments.begin())]
        .view({-1})
        .narrow(0, begin - it->offset, end - begin)
        .copy_(values.narrow(0, begin - flat_begin, end - begin));
  }
}

void ZeroAdamW::zero_grad() {
  torch::NoGradGuard no_grad;
  if (buckets_) {
    buckets_->finish();  // a backward not followed by a step is dropped
    grad_shard_.zero_();
    buckets_->reset_peak();
  } else {
    reducer_->zero_grad();  // .grad stay views into the reducer's buckets
  }
  reduced_ = false;
}

}  // namespace swinpp::dist

#include "swinpp/dist/gradient_reducer.h"

#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>

#include <functional>
#include <string>

#include "swinpp/util/error.h"

namespace swinpp::dist {

namespace {

/// Runs GradientReducer::on_gradient once autograd has accumulated a
/// parameter's gradient.
class ReadyHook : public torch::autograd::PostAccumulateGradHook {
 public:
  explicit ReadyHook(std::function<void()> ready) : ready_(std::move(ready)) {}
  void operator()(const torch::autograd::Variable& /*param*/) override { ready_(); }

 private:
  std::function<void()> ready_;
};

}  // namespace

/// A run of parameters reduced by one all-reduce of a flat buffer.
struct GradientReducer::Bucket {
  std::vector<size_t> params;
  /// [numel of all params]: their gradients, end to end.
  torch::Tensor buffer;
  /// Parameters whose gradient has not arrived in this round.
  size_t pending = 0;
  std::shared_ptr<PendingOp> op;
};

GradientReducer::GradientReducer(std::vector<torch::Tensor> params, Communicator& comm,
                                 const GradientReducerOptions& options)
    : params_(std::move(params)),
      comm_(comm),
      bucket_of_(params_.size(), 0),
      offset_in_bucket_(params_.size(), 0),
      ready_(params_.size(), false),
      hooked_(params_.size(), false) {
  // Reverse order: backward produces the gradients of the last layers first.
  std::vector<int64_t> bucket_numels;
  for (size_t i = params_.size(); i-- > 0;) {
    const torch::Tensor& param = params_[i];
    if (!param.defined() || param.is_sparse()) {
      throw Error("GradientReducer: parameter " + std::to_string(i) +
                  " must be a defined dense tensor");
    }
    if (!param.requires_grad()) {
      continue;
    }
    const torch::Tensor* first = buckets_.empty() ? nullptr : &params_[buckets_.back()->params[0]];
    const bool fits =
        first != nullptr && bucket_numels.back() * first->element_size() < options.bucket_bytes &&
        first->scalar_type() == param.scalar_type() && first->device() == param.device();
    if (!fits) {
      buckets_.push_back(std::make_unique<Bucket>());
      bucket_numels.push_back(0);
    }
    bucket_of_[i] = buckets_.size() - 1;
    offset_in_bucket_[i] = bucket_numels.back();
    buckets_.back()->params.push_back(i);
    bucket_numels.back() += param.numel();
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const torch::Tensor& first = params_[buckets_[b]->params[0]];
    buckets_[b]->buffer =
        torch::zeros({bucket_numels[b]}, first.options().requires_grad(false));  // [numel]
  }
  reset_round();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) continue;
    if (torch::autograd::impl::post_acc_grad_hooks(params_[i]))
      throw Error("GradientReducer: parameter " + std::to_string(i) +
                  " already has a post-accumulate-grad hook");
    params_[i].mutable_grad() = slot(i).view(params_[i].sizes());
    torch::autograd::impl::set_post_acc_grad_hooks(
        params_[i], std::make_unique<ReadyHook>([this, i] { on_gradient(i); }));
    hooked_[i] = true;
  }
}

GradientReducer::~GradientReducer() {
  for (size_t i = 0; i < params_.size(); ++i)
    if (hooked_[i]) torch::autograd::impl::set_post_acc_grad_hooks(params_[i], nullptr);
}

torch::Tensor GradientReducer::slot(size_t i) const {
  return buckets_[bucket_of_[i]]->buffer.narrow(0, offset_in_bucket_[i],
                                                params_[i].numel());  // [numel]
}

void GradientReducer::use_bucket_view(size_t i, bool keep_values) {
  const torch::Tensor& grad = params_[i].grad();
  torch::Tensor view = slot(i);
  if (grad.defined() && grad.data_ptr() == view.data_ptr()) return;
  if (!keep_values)
    view.zero_();
  else if (grad.defined())
    view.copy_(grad.reshape({-1}));
  else
    view.zero_();
  params_[i].mutable_grad() = view.view(params_[i].sizes());
}

void GradientReducer::zero_grad() {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard no_grad;
  for (auto& bucket : buckets_) bucket->buffer.zero_();
  for (size_t i = 0; i < params_.size(); ++i)
    if (hooked_[i]) use_bucket_view(i, /*keep_values=*/false);
}

const std::vector<size_t>& GradientReducer::bucket_params(int64_t index) const {
  if (index < 0 || index >= num_buckets()) {
    throw Error("GradientReducer: bucket " + std::to_string(index) + " out of range [0, " +
                std::to_string(num_buckets()) + ")");
  }
  return buckets_[static_cast<size_t>(index)]->params;
}

int64_t GradientReducer::buffer_bytes() const {
  int64_t bytes = 0;
  for (const auto& bucket : buckets_)
    bytes += bucket->buffer.numel() * static_cast<int64_t>(bucket->buffer.element_size());
  return bytes;
}

void GradientReducer::set_sync(bool sync) {
  std::lock_guard<std::mutex> lock(mutex_);
  sync_ = sync;
}

void GradientReducer::reset_round() {
  for (auto& bucket : buckets_) {
    bucket->pending = bucket->params.size();
    bucket->op.reset();
  }
  std::fill(ready_.begin(), ready_.end(), false);
  next_to_launch_ = 0;
}

void GradientReducer::on_gradient(size_t param_index) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sync_) {
    return;
  }
  if (ready_[param_index]) {
    throw Error("GradientReducer: parameter " + std::to_string(param_index) +
                " received a second gradient in one synchronised backward; call finalize() "
                "after each synchronised backward, or set_sync(false) to accumulate");
  }
  Bucket& bucket = *buckets_[bucket_of_[param_index]];
  torch::NoGradGuard no_grad;
  // .grad, the local total, is normally a view into the bucket already; after
  // .grad was replaced (an optimizer's zero_grad setting it to none), it moves in.
  use_bucket_view(param_index, /*keep_values=*/true);
  ready_[param_index] = true;
  --bucket.pending;
  launch_ready_buckets();
}

void GradientReducer::launch(Bucket& bucket) {
  bucket.op = comm_.all_reduce_sum_async(bucket.buffer);
}

void GradientReducer::launch_ready_buckets() {
  // In index order only, so that every rank issues the same collectives in the
  // same order whatever order the hooks fire in.
  while (next_to_launch_ < buckets_.size() && buckets_[next_to_launch_]->pending == 0) {
    launch(*buckets_[next_to_launch_]);
    ++next_to_launch_;
  }
}

void GradientReducer::finalize() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sync_) {
    return;
  }
  torch::NoGradGuard no_grad;
  try {
    for (size_t b = next_to_launch_; b < buckets_.size(); ++b) {
      Bucket& bucket = *buckets_[b];
      // No gradient arrived in this backward: the local total is .grad (or zero).
      for (const size_t i : bucket.params)
        if (!ready_[i]) use_bucket_view(i, /*keep_values=*/true);
      launch(bucket);
    }
    next_to_launch_ = buckets_.size();
    const double world = comm_.world_size();
    for (auto& bucket : buckets_) {
      bucket->op->wait();
      bucket->buffer.div_(world);  // the parameters' .grad are views into it
    }
  } catch (...) {
    reset_round();
    throw;
  }
  reset_round();
}

}  // namespace swinpp::dist

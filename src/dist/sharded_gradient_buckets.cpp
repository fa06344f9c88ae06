#include "sharded_gradient_buckets.h"

#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <unordered_map>

#include "swinpp/util/error.h"

namespace swinpp::dist::detail {

/// The part of one parameter that one rank's shard owns, inside a bucket.
struct ShardedGradientBuckets::Piece {
  size_t param;         // flat order
  int64_t param_begin;  // first element inside the flattened parameter
  int64_t length;
  int owner;
  int64_t bucket_offset;  // first element inside the bucket's buffer
  int64_t shard_begin;    // first element inside the owner's shard
};

struct ShardedGradientBuckets::Bucket {
  /// The bucket's parameters (flat order indices), in gradient order.
  std::vector<size_t> params;
  /// Every piece, grouped by owner (rank order), each owner's in param order.
  std::vector<Piece> pieces;
  /// For each rank: where its pieces start in the buffer, and how many elements.
  std::vector<std::pair<int64_t, int64_t>> owner_ranges;
  int64_t numel = 0;
  /// [numel] while the bucket is being filled or reduced; undefined otherwise.
  at::Tensor buffer;
  /// The reduced views of `buffer`, one per owning rank, kept alive until waited for.
  std::vector<at::Tensor> views;
  std::vector<std::shared_ptr<PendingOp>> ops;
  size_t pending = 0;
  bool launched = false;
};

namespace {

/// Runs ShardedGradientBuckets::on_gradient after autograd has accumulated a
/// parameter's gradient.
class BucketHook : public torch::autograd::PostAccumulateGradHook {
 public:
  BucketHook(ShardedGradientBuckets* buckets, size_t param) : buckets_(buckets), param_(param) {}
  void operator()(const torch::autograd::Variable& /*param*/) override {
    buckets_->on_gradient(param_);
  }

 private:
  ShardedGradientBuckets* buckets_;
  size_t param_;
};

}  // namespace

ShardedGradientBuckets::ShardedGradientBuckets(std::vector<at::Tensor> params,
                                               const std::vector<at::Tensor>& gradient_order,
                                               const FlatLayout& layout, Communicator& comm,
                                               at::Tensor shard, int64_t bucket_bytes,
                                               int max_in_flight)
    : params_(std::move(params)),
      comm_(comm),
      shard_(std::move(shard)),
      max_in_flight_(std::max(1, max_in_flight)),
      bucket_bytes_(bucket_bytes),
      shard_numel_(layout.shard_numel()),
      bucket_of_(params_.size(), 0),
      arrived_(params_.size(), false) {
  std::unordered_map<const void*, size_t> index_of;
  for (size_t i = 0; i < params_.size(); ++i) index_of[params_[i].unsafeGetTensorImpl()] = i;
  std::vector<size_t> order;
  std::vector<bool> listed(params_.size(), false);
  for (const at::Tensor& t : gradient_order) {
    const auto found = index_of.find(t.unsafeGetTensorImpl());
    if (found == index_of.end() || listed[found->second]) continue;
    listed[found->second] = true;
    order.push_back(found->second);
  }
  for (size_t i = params_.size(); i-- > 0;)
    if (!listed[i]) order.push_back(i);

  for (const auto& segment : layout.segments())
    segments_.emplace_back(segment.offset, segment.numel);
  build_buckets(order);

  for (size_t i = 0; i < params_.size(); ++i) {
    if (torch::autograd::impl::post_acc_grad_hooks(params_[i]))
      throw Error("ZeRO-2: parameter " + std::to_string(i) +
                  " already has a post-accumulate-grad hook");
    torch::autograd::impl::set_post_acc_grad_hooks(params_[i],
                                                   std::make_unique<BucketHook>(this, i));
  }
}

ShardedGradientBuckets::~ShardedGradientBuckets() {
  for (const at::Tensor& param : params_)
    torch::autograd::impl::set_post_acc_grad_hooks(param, nullptr);
}

void ShardedGradientBuckets::build_buckets(const std::vector<size_t>& order) {
  // Whole parameters, in gradient order, about bucket_bytes_ per bucket.
  const int world = comm_.world_size();
  const int64_t bucket_numel = std::max<int64_t>(1, bucket_bytes_ / 4);
  buckets_.clear();
  for (const size_t p : order) {
    if (buckets_.empty() || buckets_.back()->numel >= bucket_numel)
      buckets_.push_back(std::make_unique<Bucket>());
    Bucket& bucket = *buckets_.back();
    bucket.params.push_back(p);
    bucket.numel += segments_[p].second;
    bucket_of_[p] = buckets_.size() - 1;
  }
  // Each parameter split at the shard boundaries; pieces grouped by owner.
  for (auto& bucket : buckets_) {
    std::vector<std::vector<Piece>> by_owner(static_cast<size_t>(world));
    for (const size_t p : bucket->params) {
      const int64_t begin = segments_[p].first, end = begin + segments_[p].second;
      for (int64_t at = begin; at < end;) {
        const int owner = static_cast<int>(at / shard_numel_);
        const int64_t stop = std::min(end, (owner + 1) * shard_numel_);
        by_owner[static_cast<size_t>(owner)].push_back(
            {p, at - begin, stop - at, owner, 0, at - owner * shard_numel_});
        at = stop;
      }
    }
    int64_t offset = 0;
    for (int r = 0; r < world; ++r) {
      const int64_t start = offset;
      for (Piece& piece : by_owner[static_cast<size_t>(r)]) {
        piece.bucket_offset = offset;
        offset += piece.length;
        bucket->pieces.push_back(piece);
      }
      bucket->owner_ranges.emplace_back(start, offset - start);
    }
    bucket->pending = bucket->params.size();
  }
}

void ShardedGradientBuckets::rebuild_in_arrival_order() {
  // The order the first backward produced, completed by the parameters that
  // had no gradient; rank 0's, so that every rank builds the same buckets.
  std::vector<bool> seen(params_.size(), false);
  for (const size_t p : arrival_) seen[p] = true;
  for (const auto& bucket : buckets_)
    for (const size_t p : bucket->params)
      if (!seen[p]) arrival_.push_back(p);
  std::vector<int64_t> indices(arrival_.begin(), arrival_.end());
  at::Tensor order = torch::tensor(indices, torch::kLong).to(shard_.device());  // [params]
  comm_.broadcast(order, 0);
  order = order.cpu();  // once in a run: the second step waits for this copy
  const auto index = order.accessor<int64_t, 1>();
  std::vector<size_t> agreed;
  for (int64_t i = 0; i < order.numel(); ++i) agreed.push_back(static_cast<size_t>(index[i]));
  build_buckets(agreed);
  arrival_.clear();
  rebuilt_ = true;
}

int64_t ShardedGradientBuckets::peak_buffer_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_bytes_;
}

void ShardedGradientBuckets::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  peak_bytes_ = held_bytes_;
}

void ShardedGradientBuckets::allocate(Bucket& bucket) {
  bucket.buffer = torch::empty({bucket.numel}, shard_.options());  // [numel]
  held_bytes_ += bucket.numel * static_cast<int64_t>(bucket.buffer.element_size());
  peak_bytes_ = std::max(peak_bytes_, held_bytes_);
}

void ShardedGradientBuckets::on_gradient(size_t param) {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard no_grad;
  const at::Tensor& grad = params_[param].grad();
  if (!grad.defined()) return;
  Bucket& bucket = *buckets_[bucket_of_[param]];
  if (bucket.launched)
    throw Error("ZeRO-2: parameter " + std::to_string(param) +
                " received a second gradient after its bucket was reduced in this backward");
  if (!bucket.buffer.defined()) allocate(bucket);
  const at::Tensor flat = grad.reshape({-1});  // [numel]
  for (const Piece& piece : bucket.pieces) {
    if (piece.param != param) continue;
    at::Tensor slot = bucket.buffer.narrow(0, piece.bucket_offset, piece.length);
    const at::Tensor part = flat.narrow(0, piece.param_begin, piece.length);
    if (arrived_[param])
      slot.add_(part);  // a second backward through the parameter in this round
    else
      slot.copy_(part);
  }
  params_[param].mutable_grad().reset();
  if (!arrived_[param]) {
    arrived_[param] = true;
    --bucket.pending;
    if (!rebuilt_) arrival_.push_back(param);
  }
  round_open_ = true;
  launch_ready();
}

void ShardedGradientBuckets::launch_ready() {
  // In bucket order only, so that every rank issues the same collectives in
  // the same order whatever order the gradients arrive in.
  while (next_to_launch_ < buckets_.size() && buckets_[next_to_launch_]->pending == 0) {
    launch(next_to_launch_);
    ++next_to_launch_;
  }
}

void ShardedGradientBuckets::launch(size_t index) {
  Bucket& bucket = *buckets_[index];
  for (int r = 0; r < comm_.world_size(); ++r) {
    const auto [begin, length] = bucket.owner_ranges[static_cast<size_t>(r)];
    if (length == 0) continue;
    bucket.views.push_back(bucket.buffer.narrow(0, begin, length));  // [length]
    bucket.ops.push_back(comm_.reduce_sum_async(bucket.views.back(), r));
  }
  bucket.launched = true;
  in_flight_.push_back(index);
  while (static_cast<int>(in_flight_.size()) > max_in_flight_) complete_oldest();
}

void ShardedGradientBuckets::complete_oldest() {
  Bucket& bucket = *buckets_[in_flight_.front()];
  in_flight_.pop_front();
  for (const auto& op : bucket.ops) op->wait();
  const int me = comm_.rank();
  for (const Piece& piece : bucket.pieces) {
    if (piece.owner != me) continue;
    shard_.narrow(0, piece.shard_begin, piece.length)
        .add_(bucket.buffer.narrow(0, piece.bucket_offset, piece.length));
  }
  release(bucket);
}

void ShardedGradientBuckets::release(Bucket& bucket) {
  bucket.ops.clear();
  bucket.views.clear();
  if (!bucket.buffer.defined()) return;
  held_bytes_ -= bucket.numel * static_cast<int64_t>(bucket.buffer.element_size());
  bucket.buffer = at::Tensor();
}

void ShardedGradientBuckets::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!round_open_) return;
  torch::NoGradGuard no_grad;
  try {
    for (; next_to_launch_ < buckets_.size(); ++next_to_launch_) {
      Bucket& bucket = *buckets_[next_to_launch_];
      if (!bucket.buffer.defined()) allocate(bucket);
      for (const Piece& piece : bucket.pieces)
        if (!arrived_[piece.param])
          bucket.buffer.narrow(0, piece.bucket_offset, piece.length).zero_();
      launch(next_to_launch_);
    }
    while (!in_flight_.empty()) complete_oldest();
  } catch (...) {
    end_round();
    throw;
  }
  end_round();
  if (!rebuilt_) rebuild_in_arrival_order();
}

void ShardedGradientBuckets::end_round() {
  for (auto& bucket : buckets_) {
    bucket->pending = bucket->params.size();
    bucket->launched = false;
    release(*bucket);
  }
  in_flight_.clear();
  std::fill(arrived_.begin(), arrived_.end(), false);
  next_to_launch_ = 0;
  round_open_ = false;
}

}  // namespace swinpp::dist::detail

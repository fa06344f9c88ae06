#include "c10d_communicator.h"

#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/Types.hpp>

#include <utility>

#include "collective_checks.h"
#include "swinpp/util/error.h"

namespace swinpp::dist::detail {
namespace {

/// A launched c10d collective; wait() rethrows its failure as swinpp::Error.
class WorkOp : public PendingOp {
 public:
  WorkOp(c10::intrusive_ptr<c10d::Work> work, std::string where)
      : work_(std::move(work)), where_(std::move(where)) {}

  void wait() override {
    if (!work_) {
      return;
    }
    // Cleared first: a failed collective is reported once, then wait() returns.
    const c10::intrusive_ptr<c10d::Work> work = std::move(work_);
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw Error(where_ + " failed: " + error_text(e));
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::string where_;
};

}  // namespace

std::string error_text(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    return c10_error->what_without_backtrace();
  }
  return e.what();
}

C10dCommunicator::C10dCommunicator(c10::intrusive_ptr<c10d::Backend> group, const DistEnv& env,
                                   std::string backend)
    : group_(std::move(group)),
      rank_(env.rank),
      world_size_(env.world_size),
      local_rank_(env.local_rank),
      backend_(std::move(backend)) {}

C10dCommunicator::~C10dCommunicator() = default;

std::string C10dCommunicator::where(const std::string& op) const {
  return backend_ + " " + op + " on rank " + std::to_string(rank_) + " of " +
         std::to_string(world_size_);
}

std::shared_ptr<PendingOp> C10dCommunicator::start(
    const std::string& op, const std::function<c10::intrusive_ptr<c10d::Work>()>& launch) {
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = launch();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(where(op) + " could not start: " + error_text(e));
  }
  return std::make_shared<WorkOp>(std::move(work), where(op));
}

void C10dCommunicator::run(const std::string& op,
                           const std::function<c10::intrusive_ptr<c10d::Work>()>& launch) {
  start(op, launch)->wait();
}

void C10dCommunicator::all_reduce_sum(at::Tensor& t) { all_reduce_sum_async(t)->wait(); }

void C10dCommunicator::all_reduce_max(at::Tensor& t) {
  check_collective_tensor(t, "all_reduce_max", "the tensor");
  check_backend_tensor(t, "all_reduce_max");
  run("all_reduce_max", [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    return group_->allreduce(tensors, options);
  });
}

std::shared_ptr<PendingOp> C10dCommunicator::all_reduce_sum_async(at::Tensor& t) {
  check_collective_tensor(t, "all_reduce_sum", "the tensor");
  check_backend_tensor(t, "all_reduce_sum");
  return start("all_reduce_sum", [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    return group_->allreduce(tensors, options);
  });
}

std::shared_ptr<PendingOp> C10dCommunicator::reduce_sum_async(at::Tensor& t, int root) {
  check_root(root, world_size_, "reduce_sum");
  check_collective_tensor(t, "reduce_sum", "the tensor");
  check_backend_tensor(t, "reduce_sum");
  return start("reduce_sum", [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::ReduceOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    options.rootRank = root;
    return group_->reduce(tensors, options);
  });
}

void C10dCommunicator::reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) {
  check_shard_sizes(in, shard, world_size_, "reduce_scatter_sum");
  check_backend_tensor(in, "reduce_scatter_sum");
  at::Tensor input = in.reshape({-1});   // [world * n]
  at::Tensor output = shard.view({-1});  // [n]
  run("reduce_scatter_sum", [&] {
    c10d::ReduceScatterOptions options;
    options.reduceOp = c10d::ReduceOp::SUM;
    return group_->_reduce_scatter_base(output, input, options);
  });
}

void C10dCommunicator::all_gather(const at::Tensor& shard, at::Tensor& out) {
  check_shard_sizes(out, shard, world_size_, "all_gather");
  check_backend_tensor(out, "all_gather");
  at::Tensor input = shard.reshape({-1});  // [n]
  at::Tensor output = out.view({-1});      // [world * n]
  run("all_gather", [&] { return group_->_allgather_base(output, input); });
}

void C10dCommunicator::broadcast(at::Tensor& t, int root) {
  check_root(root, world_size_, "broadcast");
  check_collective_tensor(t, "broadcast", "the tensor");
  check_backend_tensor(t, "broadcast");
  run("broadcast", [&] {
    std::vector<at::Tensor> tensors{t};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    return group_->broadcast(tensors, options);
  });
}

void C10dCommunicator::barrier() {
  run("barrier", [&] { return group_->barrier(c10d::BarrierOptions()); });
}

}  // namespace swinpp::dist::detail

#include "swinpp/dist/single_process_communicator.h"

#include <ATen/ATen.h>

#include "collective_checks.h"

namespace swinpp::dist {
namespace {

/// An operation that finished when it was launched.
class CompletedOp : public PendingOp {
 public:
  void wait() override {}
};

}  // namespace

void SingleProcessCommunicator::all_reduce_sum(at::Tensor& t) {
  detail::check_collective_tensor(t, "all_reduce_sum", "the tensor");
}

void SingleProcessCommunicator::all_reduce_max(at::Tensor& t) {
  detail::check_collective_tensor(t, "all_reduce_max", "the tensor");
}

std::shared_ptr<PendingOp> SingleProcessCommunicator::all_reduce_sum_async(at::Tensor& t) {
  detail::check_collective_tensor(t, "all_reduce_sum_async", "the tensor");
  return std::make_shared<CompletedOp>();
}

std::shared_ptr<PendingOp> SingleProcessCommunicator::reduce_sum_async(at::Tensor& t, int root) {
  detail::check_root(root, 1, "reduce_sum");
  detail::check_collective_tensor(t, "reduce_sum", "the tensor");
  return std::make_shared<CompletedOp>();
}

void SingleProcessCommunicator::reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) {
  detail::check_shard_sizes(in, shard, 1, "reduce_scatter_sum");
  at::NoGradGuard no_grad;
  shard.copy_(in.reshape(shard.sizes()));
}

void SingleProcessCommunicator::all_gather(const at::Tensor& shard, at::Tensor& out) {
  detail::check_shard_sizes(out, shard, 1, "all_gather");
  at::NoGradGuard no_grad;
  out.copy_(shard.reshape(out.sizes()));
}

void SingleProcessCommunicator::broadcast(at::Tensor& t, int root) {
  detail::check_root(root, 1, "broadcast");
  detail::check_collective_tensor(t, "broadcast", "the tensor");
}

}  // namespace swinpp::dist

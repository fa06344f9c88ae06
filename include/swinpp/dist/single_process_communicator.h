#pragma once

#include <memory>
#include <string>

#include "swinpp/dist/communicator.h"

namespace swinpp::dist {

/// The group of one process: every collective is the identity (all_gather and
/// reduce_scatter copy), and each still checks its tensor sizes so that code
/// written for many ranks fails the same way on one.
class SingleProcessCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::string backend_name() const override { return "single"; }

  void all_reduce_sum(at::Tensor& t) override;
  void all_reduce_max(at::Tensor& t) override;
  std::shared_ptr<PendingOp> all_reduce_sum_async(at::Tensor& t) override;
  std::shared_ptr<PendingOp> reduce_sum_async(at::Tensor& t, int root) override;
  void reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) override;
  void all_gather(const at::Tensor& shard, at::Tensor& out) override;
  void broadcast(at::Tensor& t, int root) override;
  void barrier() override {}
};

}  // namespace swinpp::dist

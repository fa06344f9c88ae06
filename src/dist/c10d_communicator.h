// The collectives of a c10d backend process group (Gloo, NCCL); the backends
// differ only in how they are built and in the tensors they accept.
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <functional>
#include <memory>
#include <string>

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include "swinpp/dist/communicator.h"
#include "swinpp/dist/rendezvous.h"

namespace swinpp::dist::detail {

/// A Communicator over one c10d backend process group.
class C10dCommunicator : public Communicator {
 public:
  C10dCommunicator(c10::intrusive_ptr<c10d::Backend> group, const DistEnv& env,
                   std::string backend);
  ~C10dCommunicator() override;

  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  int local_rank() const override { return local_rank_; }
  std::string backend_name() const override { return backend_; }

  void all_reduce_sum(at::Tensor& t) override;
  void all_reduce_max(at::Tensor& t) override;
  std::shared_ptr<PendingOp> all_reduce_sum_async(at::Tensor& t) override;
  std::shared_ptr<PendingOp> reduce_sum_async(at::Tensor& t, int root) override;
  void reduce_scatter_sum(const at::Tensor& in, at::Tensor& shard) override;
  void all_gather(const at::Tensor& shard, at::Tensor& out) override;
  void broadcast(at::Tensor& t, int root) override;
  void barrier() override;

 protected:
  /// Throws swinpp::Error when this backend cannot run `op` on `t` (NCCL needs
  /// CUDA tensors); accepts every tensor by default.
  virtual void check_backend_tensor(const at::Tensor& t, const std::string& op) const {}
  /// The backend process group.
  c10d::Backend& group() { return *group_; }
  /// Runs `launch` and waits for the work it returns; any failure becomes a
  /// swinpp::Error naming `op`, this rank and the backend.
  void run(const std::string& op, const std::function<c10::intrusive_ptr<c10d::Work>()>& launch);
  /// Runs `launch` and returns the work without waiting (errors as for run).
  std::shared_ptr<PendingOp> start(const std::string& op,
                                   const std::function<c10::intrusive_ptr<c10d::Work>()>& launch);
  /// "gloo all_reduce_sum on rank 1 of 3".
  std::string where(const std::string& op) const;

 private:
  c10::intrusive_ptr<c10d::Backend> group_;
  int rank_;
  int world_size_;
  int local_rank_;
  std::string backend_;
};

/// The message of `e`, without the C++ backtrace c10::Error carries.
std::string error_text(const std::exception& e);

}  // namespace swinpp::dist::detail

// Every Communicator collective on the NCCL backend at world size 1 (one GPU
// per host): the results, and the error for a CPU tensor. Skips without CUDA.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>

#include "swinpp/dist/launcher.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

#define SWINPP_REQUIRE_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device"

std::unique_ptr<Communicator> nccl_alone() {
  const DistEnv env = explicit_dist_env(0, 1, 0, "127.0.0.1", find_free_port());
  return make_communicator(env, "nccl", std::chrono::seconds(60));
}

TEST(NcclCommunicator, EveryCollectiveAtWorldSizeOne) {
  SWINPP_REQUIRE_CUDA();
  auto comm = nccl_alone();
  ASSERT_EQ(comm->backend_name(), "nccl");
  const auto cuda = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat);
  const auto values = torch::arange(12, cuda);  // [12]

  auto sum = values.clone();
  comm->all_reduce_sum(sum);
  EXPECT_TRUE(torch::equal(sum, values));
  auto max = values.clone();
  comm->all_reduce_max(max);
  EXPECT_TRUE(torch::equal(max, values));
  auto async = values.clone();
  comm->all_reduce_sum_async(async)->wait();
  EXPECT_TRUE(torch::equal(async, values));

  auto shard = torch::zeros({12}, cuda);
  comm->reduce_scatter_sum(values, shard);
  EXPECT_TRUE(torch::equal(shard, values));
  auto gathered = torch::zeros({12}, cuda);
  comm->all_gather(values, gathered);
  EXPECT_TRUE(torch::equal(gathered, values));

  auto root = values.clone();
  comm->broadcast(root, 0);
  EXPECT_TRUE(torch::equal(root, values));
  comm->barrier();
  torch::cuda::synchronize();

  auto on_cpu = torch::ones({4});
  EXPECT_THROW(comm->all_reduce_sum(on_cpu), Error);
}

}  // namespace
}  // namespace swinpp::dist

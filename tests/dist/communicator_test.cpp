// Collectives of SingleProcessCommunicator and, over real processes, GlooCommunicator.
#include <gtest/gtest.h>
#include <signal.h>
#include <torch/torch.h>
#include <unistd.h>

#include <string>

#include "multi_process.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

using testing::connect_gloo;
using testing::require;
using testing::run_ranks;

void require_equal(const torch::Tensor& actual, const torch::Tensor& expected,
                   const std::string& what) {
  require(actual.sizes() == expected.sizes() && torch::allclose(actual, expected),
          what + ": expected " + c10::str(expected) + ", found " + c10::str(actual));
}

/// Every collective once, each checked against its closed form.
void exercise_collectives(int rank, int world, int port) {
  const auto comm = connect_gloo(rank, world, port);
  require(comm->rank() == rank && comm->world_size() == world && comm->backend_name() == "gloo",
          "identity of the communicator");
  const double rank_sum = world * (world + 1) / 2.0;  // sum over ranks of (rank + 1)

  torch::Tensor sum = torch::full({5}, rank + 1.0);
  comm->all_reduce_sum(sum);
  require_equal(sum, torch::full({5}, rank_sum), "all_reduce_sum");

  torch::Tensor max = torch::tensor({static_cast<double>(rank), -static_cast<double>(rank)});
  comm->all_reduce_max(max);
  require_equal(max, torch::tensor({world - 1.0, 0.0}), "all_reduce_max");

  torch::Tensor async = torch::arange(6, torch::kFloat).reshape({2, 3}) * (rank + 1);
  comm->all_reduce_sum_async(async)->wait();
  require_equal(async, torch::arange(6, torch::kFloat).reshape({2, 3}) * rank_sum,
                "all_reduce_sum_async");

  torch::Tensor broadcast = torch::full({3, 2}, static_cast<double>(rank));
  comm->broadcast(broadcast, world - 1);
  require_equal(broadcast, torch::full({3, 2}, world - 1.0), "broadcast from the last rank");

  const torch::Tensor shard = torch::arange(4, torch::kFloat) + rank * 10;  // [4]
  torch::Tensor gathered = torch::empty({world, 4});
  comm->all_gather(shard, gathered);
  const torch::Tensor expected_gather =
      torch::arange(4, torch::kFloat).unsqueeze(0) + torch::arange(world).unsqueeze(1) * 10;
  require_equal(gathered, expected_gather, "all_gather");

  const torch::Tensor in = torch::arange(world * 3, torch::kFloat) * (rank + 1);  // [world * 3]
  torch::Tensor out = torch::empty({3});
  comm->reduce_scatter_sum(in, out);
  require_equal(out, torch::arange(rank * 3, rank * 3 + 3, torch::kFloat) * rank_sum,
                "reduce_scatter_sum");

  // Every rank reduces to every root in turn, two at a time in flight.
  std::vector<torch::Tensor> reduced;
  std::vector<std::shared_ptr<PendingOp>> ops;
  for (int root = 0; root < world; ++root) {
    reduced.push_back(torch::full({5}, static_cast<float>(rank + 1 + root)));
    ops.push_back(comm->reduce_sum_async(reduced.back(), root));
  }
  for (auto& op : ops) op->wait();
  const float expected_sum = static_cast<float>(world * (world + 1) / 2 + world * rank);
  require_equal(reduced[static_cast<size_t>(rank)], torch::full({5}, expected_sum),
                "reduce_sum_async to this rank");

  bool threw = false;
  try {
    torch::Tensor wrong = torch::empty({2});
    comm->reduce_scatter_sum(torch::zeros({world * 3 + 1}), wrong);
  } catch (const Error& e) {
    threw = std::string(e.what()).find("reduce_scatter_sum") != std::string::npos;
  }
  require(threw, "a reduce_scatter_sum of mismatched sizes throws swinpp::Error naming it");
  comm->barrier();
}

TEST(SingleProcessCommunicator, CollectivesAreTheIdentity) {
  SingleProcessCommunicator comm;
  EXPECT_EQ(comm.world_size(), 1);
  EXPECT_EQ(comm.backend_name(), "single");
  torch::Tensor t = torch::arange(4, torch::kFloat);
  comm.all_reduce_sum(t);
  comm.all_reduce_max(t);
  comm.all_reduce_sum_async(t)->wait();
  comm.reduce_sum_async(t, 0)->wait();
  comm.broadcast(t, 0);
  EXPECT_TRUE(torch::equal(t, torch::arange(4, torch::kFloat)));
  torch::Tensor shard = torch::empty({4});
  comm.reduce_scatter_sum(t, shard);
  EXPECT_TRUE(torch::equal(shard, t));
  torch::Tensor out = torch::empty({2, 2});
  comm.all_gather(t, out);
  EXPECT_TRUE(torch::equal(out.reshape({-1}), t));
  EXPECT_THROW(comm.broadcast(t, 1), Error);
  torch::Tensor too_small = torch::empty({3});
  EXPECT_THROW(comm.all_gather(t, too_small), Error);
  torch::Tensor strided = torch::zeros({4, 4}).t();
  EXPECT_THROW(comm.all_reduce_sum(strided), Error);
}

TEST(GlooCommunicator, CollectivesAtWorldTwoAndThree) {
  for (const int world : {2, 3}) {
    const auto outcomes = run_ranks(world, exercise_collectives);
    for (const auto& outcome : outcomes) {
      EXPECT_EQ(outcome.exit_code, 0) << "world " << world << testing::describe(outcomes);
    }
  }
}

/// Ranks 0 and 1 of 3 keep all-reducing after rank 2 has gone (`leave` ends
/// it); returns once they have thrown.
std::vector<testing::RankOutcome> run_with_a_leaving_rank(void (*leave)()) {
  return run_ranks(3, [leave](int rank, int world, int port) {
    const auto comm = connect_gloo(rank, world, port, std::chrono::seconds(5));
    torch::Tensor t = torch::ones({1000});
    comm->all_reduce_sum(t);
    if (rank == 2) {
      leave();
    }
    for (int i = 0; i < 100; ++i) {
      try {
        comm->all_reduce_sum(t);
      } catch (const Error& e) {
        const std::string message = e.what();
        require(message.find("gloo all_reduce_sum on rank " + std::to_string(rank)) !=
                    std::string::npos,
                "the error names the collective and the rank: " + message);
        return;
      }
    }
    throw std::runtime_error("all_reduce_sum kept succeeding without rank 2");
  });
}

void expect_survivors_failed_fast(const std::vector<testing::RankOutcome>& outcomes) {
  for (const int rank : {0, 1}) {
    EXPECT_EQ(outcomes[rank].exit_code, 0) << testing::describe(outcomes);
    EXPECT_FALSE(outcomes[rank].killed) << testing::describe(outcomes);
    EXPECT_LT(outcomes[rank].seconds, 15.0) << testing::describe(outcomes);
  }
}

TEST(GlooCommunicator, RankThatExitsMakesTheOthersFail) {
  const auto outcomes = run_with_a_leaving_rank([] { _exit(1); });
  expect_survivors_failed_fast(outcomes);
  EXPECT_EQ(outcomes[2].exit_code, 1);
}

TEST(GlooCommunicator, RankThatIsKilledMakesTheOthersFail) {
  const auto outcomes = run_with_a_leaving_rank([] { raise(SIGKILL); });
  expect_survivors_failed_fast(outcomes);
  EXPECT_EQ(outcomes[2].exit_code, 128 + SIGKILL);
}

TEST(GlooCommunicator, SilentRankTimesOut) {
  testing::RunOptions options;
  options.hanging_ranks = {1};
  const auto outcomes = run_ranks(
      2,
      [](int rank, int world, int port) {
        const auto comm = connect_gloo(rank, world, port, std::chrono::seconds(2));
        if (rank == 1) {
          pause();
        }
        torch::Tensor t = torch::ones({10});
        try {
          comm->all_reduce_sum(t);
        } catch (const Error&) {
          return;
        }
        throw std::runtime_error("all_reduce_sum returned without rank 1");
      },
      options);
  EXPECT_EQ(outcomes[0].exit_code, 0) << testing::describe(outcomes);
  EXPECT_LT(outcomes[0].seconds, 10.0) << testing::describe(outcomes);
  EXPECT_TRUE(outcomes[1].killed);
}

TEST(GlooCommunicator, MissingPeerAtRendezvousTimesOut) {
  const auto outcomes = run_ranks(2, [](int rank, int world, int port) {
    if (rank == 1) {
      return;
    }
    try {
      connect_gloo(rank, world, port, std::chrono::seconds(2));
    } catch (const Error& e) {
      require(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)) != std::string::npos,
              "the error names the store address: " + std::string(e.what()));
      return;
    }
    throw std::runtime_error("rank 0 connected without rank 1");
  });
  EXPECT_EQ(outcomes[0].exit_code, 0) << testing::describe(outcomes);
  EXPECT_LT(outcomes[0].seconds, 10.0) << testing::describe(outcomes);
}

}  // namespace
}  // namespace swinpp::dist

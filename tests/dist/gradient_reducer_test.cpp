// Data-parallel training with GradientReducer equals training on one process.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "multi_process.h"
#include "swinpp/dist/gradient_reducer.h"
#include "swinpp/dist/parameter_broadcast.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/util/error.h"
#include "training_fixture.h"

namespace swinpp::dist {
namespace {

using testing::compare;
using testing::global_batch;
using testing::loss_on;
using testing::make_mlp;
using testing::part_of;

constexpr int kSteps = 4;
constexpr uint64_t kRootSeed = 7;
constexpr double kLearningRate = 0.1;
/// Small buckets, so that the MLP's 6 parameters span several all-reduces.
constexpr int64_t kBucketBytes = 512;

torch::optim::SGD make_sgd(torch::nn::Sequential& model) {
  return torch::optim::SGD(model->parameters(),
                           torch::optim::SGDOptions(kLearningRate).momentum(0.9));
}

/// One process on the global batch: the reference.
std::vector<torch::Tensor> train_alone() {
  torch::nn::Sequential model = make_mlp(kRootSeed);
  torch::optim::SGD sgd = make_sgd(model);
  for (int step = 0; step < kSteps; ++step) {
    const auto [x, y] = global_batch(step);
    sgd.zero_grad();
    loss_on(model, x, y).backward();
    sgd.step();
  }
  return testing::parameter_values(*model);
}

/// How a rank splits its share of each step.
enum class Accumulation { kNone, kUnsyncedMicroSteps, kSyncedMicroSteps };

/// One rank of data-parallel training; returns its final parameters.
std::vector<torch::Tensor> train_rank(Communicator& comm, Accumulation accumulation) {
  // A different seed on every rank: only the broadcast makes them start equal.
  torch::nn::Sequential model = make_mlp(kRootSeed + comm.rank());
  broadcast_module(*model, comm);
  testing::require(compare(testing::parameter_values(*model),
                           testing::parameter_values(*make_mlp(kRootSeed)), 0.0, 0.0)
                       .empty(),
                   "broadcast_module gives every rank the weights of rank 0");
  GradientReducerOptions options;
  options.bucket_bytes = kBucketBytes;
  GradientReducer reducer(model->parameters(), comm, options);
  testing::require(reducer.num_buckets() > 1, "the test spans several buckets");
  torch::optim::SGD sgd = make_sgd(model);
  const int micro_steps = accumulation == Accumulation::kNone ? 1 : 2;
  for (int step = 0; step < kSteps; ++step) {
    const auto [global_x, global_y] = global_batch(step);
    const torch::Tensor x = part_of(global_x, comm.rank(), comm.world_size());
    const torch::Tensor y = part_of(global_y, comm.rank(), comm.world_size());
    reducer.zero_grad();  // .grad are bucket views, which torch's zero_grad cannot detach
    for (int micro = 0; micro < micro_steps; ++micro) {
      const bool last = micro + 1 == micro_steps;
      reducer.set_sync(last || accumulation == Accumulation::kSyncedMicroSteps);
      loss_on(model, part_of(x, micro, micro_steps), part_of(y, micro, micro_steps),
              1.0 / micro_steps)
          .backward();
      reducer.finalize();
    }
    sgd.step();
  }
  return testing::parameter_values(*model);
}

void expect_ranks_match_one_process(Accumulation accumulation) {
  const std::vector<torch::Tensor> reference = train_alone();
  for (const int world : {2, 3}) {
    testing::TempDir dir;
    const auto outcomes = testing::run_ranks(world, [&](int rank, int world_size, int port) {
      const auto comm = testing::connect_gloo(rank, world_size, port);
      testing::save_tensors(train_rank(*comm, accumulation),
                            (dir.path() / std::to_string(rank)).string());
    });
    for (int rank = 0; rank < world; ++rank) {
      ASSERT_EQ(outcomes[rank].exit_code, 0) << testing::describe(outcomes);
      const auto trained = testing::load_tensors((dir.path() / std::to_string(rank)).string());
      EXPECT_EQ(compare(trained, reference, 1e-5), "") << "world " << world << " rank " << rank;
    }
  }
}

TEST(GradientReducer, RanksTrainLikeOneProcess) {
  expect_ranks_match_one_process(Accumulation::kNone);
}

TEST(GradientReducer, UnsyncedMicroStepsTrainLikeOneProcess) {
  expect_ranks_match_one_process(Accumulation::kUnsyncedMicroSteps);
}

TEST(GradientReducer, SyncedMicroStepsTrainLikeOneProcess) {
  expect_ranks_match_one_process(Accumulation::kSyncedMicroSteps);
}

TEST(GradientReducer, ParameterUsedOnOneRankIsAveragedOverAll) {
  const auto outcomes = testing::run_ranks(2, [](int rank, int world, int port) {
    const auto comm = testing::connect_gloo(rank, world, port);
    torch::nn::Linear shared(4, 2);
    torch::nn::Linear only_on_rank0(4, 2);
    std::vector<torch::Tensor> params = shared->parameters();
    for (const torch::Tensor& p : only_on_rank0->parameters()) {
      params.push_back(p);
    }
    GradientReducer reducer(params, *comm);
    const torch::Tensor x0 = torch::arange(12, torch::kFloat).reshape({3, 4});  // rank 0's rows
    const torch::Tensor x = rank == 0 ? x0 : -torch::ones({3, 4});
    torch::Tensor loss = shared->forward(x).sum();
    if (rank == 0) {
      loss = loss + only_on_rank0->forward(x).sum();
    }
    loss.backward();
    reducer.finalize();
    // d/dW of sum(x W^T + b) is the column sums of x, for every output row.
    const torch::Tensor shared_expected = ((x0.sum(0) + -3.0) / 2).expand({2, 4});
    const torch::Tensor unused_expected = (x0.sum(0) / 2).expand({2, 4});
    testing::require(torch::allclose(shared->weight.grad(), shared_expected),
                     "the shared weight's gradient is the average of both ranks'");
    testing::require(only_on_rank0->weight.grad().defined() &&
                         torch::allclose(only_on_rank0->weight.grad(), unused_expected),
                     "a parameter unused on rank 1 averages rank 0's gradient with zero");
    testing::require(torch::allclose(only_on_rank0->bias.grad(), torch::full({2}, 1.5)),
                     "its bias too (3 rows / 2 ranks)");
  });
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.exit_code, 0) << testing::describe(outcomes);
  }
}

TEST(GradientReducer, BucketsFollowReverseParameterOrder) {
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(1);
  const std::vector<torch::Tensor> params = model->parameters();
  GradientReducerOptions options;
  options.bucket_bytes = 16 * 16 * 4;  // one 16x16 weight
  GradientReducer reducer(params, comm, options);
  std::vector<size_t> order;
  for (int64_t b = 0; b < reducer.num_buckets(); ++b) {
    int64_t bytes = 0;
    for (const size_t i : reducer.bucket_params(b)) {
      order.push_back(i);
      bytes += params[i].numel() * 4;
    }
    const int64_t last = params[reducer.bucket_params(b).back()].numel() * 4;
    EXPECT_LT(bytes - last, options.bucket_bytes) << "bucket " << b << " closes once full";
  }
  EXPECT_EQ(order, (std::vector<size_t>{5, 4, 3, 2, 1, 0}));
  EXPECT_GT(reducer.num_buckets(), 1);
}

TEST(GradientReducer, OneProcessKeepsPlainGradients) {
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(3);
  torch::nn::Sequential twin = make_mlp(3);
  GradientReducer reducer(model->parameters(), comm);
  const auto [x, y] = global_batch(0);
  loss_on(model, x, y).backward();
  reducer.finalize();
  loss_on(twin, x, y).backward();
  std::vector<torch::Tensor> grads;
  std::vector<torch::Tensor> twin_grads;
  for (size_t i = 0; i < model->parameters().size(); ++i) {
    grads.push_back(model->parameters()[i].grad());
    twin_grads.push_back(twin->parameters()[i].grad());
  }
  EXPECT_EQ(compare(grads, twin_grads, 1e-6), "");
}

TEST(GradientReducer, GradientsAreBucketViewsEvenAfterBeingSetToNone) {
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(3);
  torch::nn::Sequential twin = make_mlp(3);
  GradientReducer reducer(model->parameters(), comm);
  const auto [x, y] = global_batch(0);
  for (int round = 0; round < 2; ++round) {
    loss_on(model, x, y).backward();
    reducer.finalize();
    for (const auto& p : model->parameters()) EXPECT_TRUE(p.grad().is_view()) << round;
    // An optimizer that sets .grad to none: the next backward moves it back in.
    for (auto& p : model->parameters()) p.mutable_grad().reset();
  }
  loss_on(model, x, y).backward();
  reducer.finalize();
  loss_on(twin, x, y).backward();
  for (size_t i = 0; i < model->parameters().size(); ++i) {
    EXPECT_TRUE(model->parameters()[i].grad().is_view());
    EXPECT_TRUE(torch::allclose(model->parameters()[i].grad(), twin->parameters()[i].grad()));
  }
  reducer.zero_grad();
  for (const auto& p : model->parameters())
    EXPECT_TRUE(p.grad().is_view() && p.grad().abs().sum().item<float>() == 0.0f);
}

TEST(GradientReducer, SecondBackwardWithoutFinalizeThrows) {
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(3);
  GradientReducer reducer(model->parameters(), comm);
  const auto [x, y] = global_batch(0);
  loss_on(model, x, y).backward();
  EXPECT_THROW(loss_on(model, x, y).backward(), std::exception);
  reducer.set_sync(false);
  loss_on(model, x, y).backward();
}

}  // namespace
}  // namespace swinpp::dist

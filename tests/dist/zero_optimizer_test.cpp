// ZeroAdamW against torch::optim::AdamW on one process, at 1, 2 and 3 ranks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <type_traits>

#include "multi_process.h"
#include "swinpp/dist/single_process_communicator.h"
#include "swinpp/dist/zero_optimizer.h"
#include "swinpp/util/error.h"
#include "training_fixture.h"

namespace swinpp::dist {
namespace {

using testing::compare;
using testing::global_batch;
using testing::loss_on;
using testing::make_mlp;
using testing::part_of;

constexpr uint64_t kSeed = 11;
constexpr double kLearningRate = 1e-2;
constexpr double kWeightDecay = 0.05;
/// Biases learn at half the rate and do not decay.
constexpr double kBiasLrScale = 0.5;
/// Small enough that every step clips.
constexpr double kMaxNorm = 0.05;

/// Weights (decay) and biases (no decay, half the rate), as ZeRO groups.
std::vector<ZeroParamGroup> zero_groups(torch::nn::Sequential& model) {
  ZeroParamGroup weights{{}, 1.0, kWeightDecay};
  ZeroParamGroup biases{{}, kBiasLrScale, 0.0};
  for (const auto& item : model->named_parameters()) {
    (item.key().find("bias") != std::string::npos ? biases : weights)
        .params.push_back(item.value());
  }
  return {weights, biases};
}

/// The same groups for torch::optim::AdamW.
std::unique_ptr<torch::optim::AdamW> torch_adamw(torch::nn::Sequential& model) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const ZeroParamGroup& group : zero_groups(model)) {
    groups.emplace_back(group.params, std::make_unique<torch::optim::AdamWOptions>(
                                          torch::optim::AdamWOptions(kLearningRate * group.lr_scale)
                                              .weight_decay(group.weight_decay)));
  }
  return std::make_unique<torch::optim::AdamW>(std::move(groups),
                                               torch::optim::AdamWOptions(kLearningRate));
}

/// Parameters in ZeroAdamW's order (weights, then biases).
std::vector<torch::Tensor> grouped_values(torch::nn::Sequential& model) {
  std::vector<torch::Tensor> values;
  for (const ZeroParamGroup& group : zero_groups(model)) {
    for (const torch::Tensor& p : group.params) {
      values.push_back(p.detach().clone());
    }
  }
  return values;
}

/// The reference: one process, the global batch, torch's clipping and AdamW.
struct Reference {
  std::vector<torch::Tensor> params;
  std::vector<double> norms;
  ZeroState state;
};

Reference train_alone(int steps) {
  torch::nn::Sequential model = make_mlp(kSeed);
  auto adamw = torch_adamw(model);
  Reference reference;
  for (int step = 0; step < steps; ++step) {
    const auto [x, y] = global_batch(step);
    adamw->zero_grad();
    loss_on(model, x, y).backward();
    reference.norms.push_back(torch::nn::utils::clip_grad_norm_(model->parameters(), kMaxNorm));
    adamw->step();
  }
  reference.params = grouped_values(model);
  for (const ZeroParamGroup& group : zero_groups(model)) {
    for (const torch::Tensor& p : group.params) {
      const auto& state = static_cast<const torch::optim::AdamWParamState&>(
          *adamw->state().at(p.unsafeGetTensorImpl()));
      reference.state.step = state.step();
      reference.state.exp_avg.push_back(state.exp_avg());
      reference.state.exp_avg_sq.push_back(state.exp_avg_sq());
    }
  }
  return reference;
}

/// Steps [first, last) of ZeRO training on this rank's share of the batch;
/// returns the gradient norms.
std::vector<double> train_steps(torch::nn::Sequential& model, ZeroAdamW& zero, Communicator& comm,
                                int first, int last) {
  std::vector<double> norms;
  for (int step = first; step < last; ++step) {
    const auto [x, y] = global_batch(step);
    zero.zero_grad();
    loss_on(model, part_of(x, comm.rank(), comm.world_size()),
            part_of(y, comm.rank(), comm.world_size()))
        .backward();
    norms.push_back(zero.clip_grad_norm(kMaxNorm).item<double>());
    zero.step();
  }
  return norms;
}

ZeroOptions options_for(int stage, int64_t bucket_bytes = ZeroOptions().bucket_bytes) {
  ZeroOptions options;
  options.stage = stage;
  options.lr = kLearningRate;
  options.bucket_bytes = bucket_bytes;
  return options;
}

/// Like train_steps, each step in two micro-batches of half the rank's share.
std::vector<double> train_steps_in_halves(torch::nn::Sequential& model, ZeroAdamW& zero,
                                          Communicator& comm, int first, int last) {
  std::vector<double> norms;
  for (int step = first; step < last; ++step) {
    const auto [x, y] = global_batch(step);
    const auto mine_x = part_of(x, comm.rank(), comm.world_size());
    const auto mine_y = part_of(y, comm.rank(), comm.world_size());
    zero.zero_grad();
    for (int half = 0; half < 2; ++half) {
      zero.prepare_backward(/*last_micro_step=*/half == 1);
      loss_on(model, part_of(mine_x, half, 2), part_of(mine_y, half, 2), 0.5).backward();
    }
    zero.finish_backward();
    norms.push_back(zero.clip_grad_norm(kMaxNorm).item<double>());
    zero.step();
  }
  return norms;
}

TEST(ZeroAdamW, OneProcessMatchesTorchAdamW) {
  constexpr int kSteps = 5;
  const Reference reference = train_alone(kSteps);
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(kSeed);
  ZeroAdamW zero(zero_groups(model), comm, options_for(1));
  const std::vector<double> norms = train_steps(model, zero, comm, 0, kSteps);
  EXPECT_EQ(compare(grouped_values(model), reference.params, 1e-6), "");
  for (int step = 0; step < kSteps; ++step) {
    EXPECT_NEAR(norms[step], reference.norms[step], 1e-6 * reference.norms[step]);
    EXPECT_GT(norms[step], kMaxNorm) << "the test clips";
  }
  const ZeroState state = zero.gather_state();
  EXPECT_EQ(state.step, kSteps);
  // LibTorch's fused kernel and its per-operation AdamW round the first moment
  // differently (lerp against mul + add): near-zero entries differ by ~1e-10.
  EXPECT_EQ(compare(state.exp_avg, reference.state.exp_avg, 1e-6, 1e-9), "");
  EXPECT_EQ(compare(state.exp_avg_sq, reference.state.exp_avg_sq, 1e-6, 1e-14), "");
}

void expect_stage_matches_one_process(const ZeroOptions& options, bool micro_steps = false) {
  constexpr int kSteps = 4;
  const Reference reference = train_alone(kSteps);
  const int stage = options.stage;
  for (const int world : {2, 3}) {
    testing::TempDir dir;
    const auto outcomes = testing::run_ranks(world, [&](int rank, int world_size, int port) {
      const auto comm = testing::connect_gloo(rank, world_size, port);
      torch::nn::Sequential model = make_mlp(kSeed);
      ZeroAdamW zero(zero_groups(model), *comm, options);
      const std::vector<double> norms = micro_steps
                                            ? train_steps_in_halves(model, zero, *comm, 0, kSteps)
                                            : train_steps(model, zero, *comm, 0, kSteps);
      std::vector<torch::Tensor> result = grouped_values(model);
      result.push_back(torch::tensor(norms, torch::kDouble));
      testing::save_tensors(result, (dir.path() / std::to_string(rank)).string());
    });
    for (int rank = 0; rank < world; ++rank) {
      ASSERT_EQ(outcomes[rank].exit_code, 0) << testing::describe(outcomes);
      std::vector<torch::Tensor> result =
          testing::load_tensors((dir.path() / std::to_string(rank)).string());
      const torch::Tensor norms = result.back();
      result.pop_back();
      EXPECT_EQ(compare(result, reference.params, 1e-5), "")
          << "stage " << stage << " world " << world << " rank " << rank;
      EXPECT_EQ(compare({norms}, {torch::tensor(reference.norms, torch::kDouble)}, 1e-5), "");
    }
  }
}

TEST(ZeroAdamW, StageOneMatchesOneProcess) { expect_stage_matches_one_process(options_for(1)); }

TEST(ZeroAdamW, StageTwoMatchesOneProcess) { expect_stage_matches_one_process(options_for(2)); }

TEST(ZeroAdamW, StageTwoWithSmallBucketsMatchesOneProcess) {
  // 64-element buckets: 435 parameters in 7 buckets, most split across owners.
  expect_stage_matches_one_process(options_for(2, 256));
}

TEST(ZeroAdamW, StageTwoAccumulatesMicroStepsIntoTheShard) {
  expect_stage_matches_one_process(options_for(2, 256), /*micro_steps=*/true);
  expect_stage_matches_one_process(options_for(1), /*micro_steps=*/true);
}

TEST(ZeroAdamW, StageTwoKeepsTheGradientShardAndAFewBuckets) {
  // 8 parameters of 1 MiB in 1 MiB buckets; rank r's gradient of parameter i
  // is (i + 1) * (r + 1), so their average is (i + 1) * (world + 1) / 2.
  constexpr int kParams = 8;
  constexpr int64_t kNumel = 256 * 1024;
  for (const int world : {1, 2, 3}) {
    const auto outcomes = testing::run_ranks(world, [&](int rank, int world_size, int port) {
      const auto comm = testing::connect_gloo(rank, world_size, port);
      ZeroParamGroup group;
      for (int i = 0; i < kParams; ++i)
        group.params.push_back(torch::zeros({kNumel}).requires_grad_());
      ZeroAdamW zero({group}, *comm, options_for(2, kNumel * 4));
      torch::Tensor loss = torch::zeros({});
      for (int i = 0; i < kParams; ++i)
        loss = loss + group.params[static_cast<size_t>(i)].sum() * ((i + 1) * (rank + 1));
      zero.reset_bucket_peak();
      loss.backward();
      for (const auto& p : group.params)
        testing::require(!p.grad().defined(), "no parameter keeps its .grad");
      // The one being filled, and one being reduced.
      testing::require(zero.bucket_peak_bytes() <= 2 * kNumel * 4,
                       "bucket peak " + std::to_string(zero.bucket_peak_bytes()) + " bytes");
      zero.finish_backward();
      const int64_t shard = zero.shard_numel();
      testing::require(zero.gradient_bytes() == shard * 4, "the rank keeps its shard only");
      std::vector<torch::Tensor> expected;
      for (int i = 0; i < kParams; ++i)
        expected.push_back(torch::full({kNumel}, (i + 1) * (world_size + 1) / 2.0));
      auto flat = torch::cat(expected);  // [kParams * kNumel]
      flat = torch::cat({flat, torch::zeros({shard * world_size - flat.numel()})});
      const auto grads = zero.gradients();
      testing::require(
          grads.size() == 1 && torch::allclose(grads[0], flat.narrow(0, rank * shard, shard)),
          "the shard holds the average of this rank's slice");
    });
    for (const auto& outcome : outcomes)
      ASSERT_EQ(outcome.exit_code, 0) << "world " << world << testing::describe(outcomes);
  }
}

TEST(ZeroAdamW, OneRanksNonFiniteGradientsSkipTheStepOnEveryRank) {
  // Rank r's gradient of every element is r + 1, so the average is
  // (world + 1) / 2 and the norm sqrt(numel) * (world + 1) / 2. The last rank
  // reports a non-finite value: every rank learns it from the norm's
  // all-reduce, and the fused update leaves every shard and step count alone.
  constexpr int64_t kNumel = 1000;
  for (const int stage : {1, 2}) {
    const auto outcomes = testing::run_ranks(3, [&](int rank, int world_size, int port) {
      const auto comm = testing::connect_gloo(rank, world_size, port);
      ZeroParamGroup group{{torch::ones({kNumel}).requires_grad_()}, 1.0, 0.0};
      ZeroAdamW zero({group}, *comm, options_for(stage));
      (group.params[0].sum() * (rank + 1)).backward();
      zero.finish_backward();
      torch::Tensor found_inf = torch::full({1}, rank == world_size - 1 ? 1.0f : 0.0f);  // [1]
      const torch::Tensor norm = zero.clip_grad_norm(0.0, found_inf);
      testing::require(found_inf.item<float>() == 1.0f, "every rank agrees to skip");
      const double expected = std::sqrt(static_cast<double>(kNumel)) * (world_size + 1) / 2.0;
      testing::require(
          std::abs(norm.item<double>() - expected) < 1e-4 * expected,
          "the norm of the averaged gradients: " + std::to_string(norm.item<double>()));
      zero.step(found_inf);
      testing::require(torch::equal(group.params[0].detach(), torch::ones({kNumel})),
                       "the parameters are unchanged");
      testing::require(zero.step_count() == 0, "the step count is unchanged");
      zero.zero_grad();
      (group.params[0].sum() * (rank + 1)).backward();
      zero.finish_backward();
      zero.step(torch::zeros({1}));
      testing::require(zero.step_count() == 1, "a finite step counts");
      testing::require(!torch::equal(group.params[0].detach(), torch::ones({kNumel})),
                       "a finite step updates");
    });
    for (const auto& outcome : outcomes)
      ASSERT_EQ(outcome.exit_code, 0) << "stage " << stage << testing::describe(outcomes);
  }
}

TEST(ZeroAdamW, StateShrinksWithTheWorldSize) {
  constexpr int64_t kSwinV2TinyParams = 28'347'154;
  for (const int world : {1, 2, 3}) {
    testing::TempDir dir;
    const auto outcomes = testing::run_ranks(world, [&](int rank, int world_size, int port) {
      const auto comm = testing::connect_gloo(rank, world_size, port);
      ZeroParamGroup group{{torch::zeros({kSwinV2TinyParams}).requires_grad_()}, 1.0, 0.0};
      ZeroAdamW zero({group}, *comm, options_for(1));
      const int64_t shard = (kSwinV2TinyParams + world_size - 1) / world_size;
      testing::require(zero.shard_numel() == shard, "the shard is the padded total / world");
      testing::require(zero.state_bytes() == 2 * 4 * shard, "two float32 moments per element");
      if (rank == 0) {
        testing::save_tensors({torch::tensor(zero.state_bytes(), torch::kLong)},
                              (dir.path() / "bytes").string());
      }
    });
    for (const auto& outcome : outcomes) {
      ASSERT_EQ(outcome.exit_code, 0) << testing::describe(outcomes);
    }
    const int64_t bytes =
        testing::load_tensors((dir.path() / "bytes").string()).front().item<int64_t>();
    std::cout << "ZeRO-1 AdamW state per rank for 28,347,154 parameters at world " << world << ": "
              << bytes << " bytes (" << bytes / 1048576.0 << " MiB)\n";
  }
}

TEST(ZeroAdamW, ShardsSavedAtOneWorldSizeResumeAtAnother) {
  constexpr int kFirstSteps = 3;
  constexpr int kAllSteps = 5;
  testing::TempDir dir;
  const std::string shards = (dir.path() / "shards").string();
  const std::string weights = (dir.path() / "weights.pt").string();
  const auto saved = testing::run_ranks(2, [&](int rank, int world, int port) {
    const auto comm = testing::connect_gloo(rank, world, port);
    torch::nn::Sequential model = make_mlp(kSeed);
    ZeroAdamW zero(zero_groups(model), *comm, options_for(1));
    train_steps(model, zero, *comm, 0, kFirstSteps);
    zero.save_shard(shards);
    if (rank == 0) {
      testing::save_tensors(grouped_values(model), weights);
    }
  });
  for (const auto& outcome : saved) {
    ASSERT_EQ(outcome.exit_code, 0) << testing::describe(saved);
  }
  const ZeroState consolidated = ZeroAdamW::consolidate(shards);
  const Reference after_first = train_alone(kFirstSteps);
  EXPECT_EQ(consolidated.step, kFirstSteps);
  EXPECT_EQ(compare(consolidated.exp_avg, after_first.state.exp_avg, 1e-5, 1e-9), "");
  EXPECT_EQ(compare(consolidated.exp_avg_sq, after_first.state.exp_avg_sq, 1e-5, 1e-14), "");

  const auto resumed = testing::run_ranks(3, [&](int rank, int world, int port) {
    const auto comm = testing::connect_gloo(rank, world, port);
    torch::nn::Sequential model = make_mlp(kSeed + 1);
    ZeroAdamW zero(zero_groups(model), *comm, options_for(2));
    const std::vector<torch::Tensor> loaded = testing::load_tensors(weights);
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < loaded.size(); ++i) {
        zero.parameters()[i].copy_(loaded[i]);
      }
    }
    zero.load_state(ZeroAdamW::consolidate(shards));
    testing::require(zero.step_count() == kFirstSteps, "the step count is restored");
    train_steps(model, zero, *comm, kFirstSteps, kAllSteps);
    testing::save_tensors(grouped_values(model), (dir.path() / std::to_string(rank)).string());
  });
  const Reference reference = train_alone(kAllSteps);
  for (int rank = 0; rank < 3; ++rank) {
    ASSERT_EQ(resumed[rank].exit_code, 0) << testing::describe(resumed);
    EXPECT_EQ(compare(testing::load_tensors((dir.path() / std::to_string(rank)).string()),
                      reference.params, 1e-5),
              "")
        << "rank " << rank;
  }

  std::filesystem::remove(std::filesystem::path(shards) / kZeroCompletionMarker);
  EXPECT_THROW(ZeroAdamW::consolidate(shards), Error);
}

TEST(ZeroAdamW, RejectsInvalidGroups) {
  SingleProcessCommunicator comm;
  torch::nn::Sequential model = make_mlp(kSeed);
  EXPECT_THROW(ZeroAdamW(zero_groups(model), comm, options_for(3)), Error);
  std::vector<ZeroParamGroup> twice = zero_groups(model);
  twice.push_back(twice.front());
  EXPECT_THROW(ZeroAdamW(twice, comm, options_for(1)), Error);
  ZeroParamGroup doubles{{torch::zeros({3}, torch::kDouble)}, 1.0, 0.0};
  EXPECT_THROW(ZeroAdamW({doubles}, comm, options_for(1)), Error);
  EXPECT_THROW(ZeroAdamW({}, comm, options_for(1)), Error);
  ZeroAdamW zero(zero_groups(model), comm, options_for(1));
  ZeroState wrong = zero.gather_state();
  wrong.exp_avg.pop_back();
  EXPECT_THROW(zero.load_state(wrong), Error);
}

}  // namespace
}  // namespace swinpp::dist

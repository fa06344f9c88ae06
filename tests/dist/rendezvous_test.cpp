// Reading the job layout from launcher variables, and choosing the backend.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <map>
#include <string>

#include "multi_process.h"
#include "swinpp/dist/rendezvous.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

using Variables = std::map<std::string, std::string>;

EnvLookup lookup_in(const Variables& variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

Variables torchrun(const std::string& rank, const std::string& world) {
  return {{"RANK", rank},
          {"WORLD_SIZE", world},
          {"LOCAL_RANK", rank},
          {"MASTER_ADDR", "node0"},
          {"MASTER_PORT", "29400"}};
}

/// The message read_dist_env throws for `variables`; fails the test when it does not throw.
std::string error_for(const Variables& variables) {
  try {
    read_dist_env(lookup_in(variables));
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_dist_env accepted an invalid environment";
  return "";
}

TEST(Rendezvous, NoLauncherVariablesIsOneProcess) {
  const DistEnv env = read_dist_env(lookup_in({}));
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.rank, 0);
  EXPECT_EQ(env.source, "single");
}

TEST(Rendezvous, ReadsTorchrunVariables) {
  Variables variables = torchrun("2", "4");
  variables["LOCAL_RANK"] = "0";
  variables["TORCHELASTIC_USE_AGENT_STORE"] = "True";
  variables["TORCHELASTIC_RESTART_COUNT"] = "3";
  const DistEnv env = read_dist_env(lookup_in(variables));
  EXPECT_EQ(env.source, "torchrun");
  EXPECT_EQ(env.rank, 2);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 0);
  EXPECT_EQ(env.master_addr, "node0");
  EXPECT_EQ(env.master_port, 29400);
  EXPECT_TRUE(env.agent_store);
  EXPECT_EQ(env.restart_count, 3);
}

TEST(Rendezvous, InconsistentTorchrunVariablesNameTheVariable) {
  Variables rank_only = {{"RANK", "0"}};
  EXPECT_NE(error_for(rank_only).find("WORLD_SIZE"), std::string::npos);
  Variables world_only = {{"WORLD_SIZE", "2"}};
  EXPECT_NE(error_for(world_only).find("RANK"), std::string::npos);
  const std::string too_large = error_for(torchrun("2", "2"));
  EXPECT_NE(too_large.find("RANK"), std::string::npos) << too_large;
  EXPECT_NE(too_large.find("WORLD_SIZE (2)"), std::string::npos) << too_large;
  const std::string not_a_number = error_for(torchrun("0", "two"));
  EXPECT_NE(not_a_number.find("WORLD_SIZE"), std::string::npos) << not_a_number;
  EXPECT_NE(not_a_number.find("'two'"), std::string::npos) << not_a_number;
  Variables negative = torchrun("-1", "2");
  EXPECT_NE(error_for(negative).find("RANK"), std::string::npos);
  Variables no_port = torchrun("0", "2");
  no_port.erase("MASTER_PORT");
  EXPECT_NE(error_for(no_port).find("MASTER_PORT"), std::string::npos);
  Variables bad_port = torchrun("0", "2");
  bad_port["MASTER_PORT"] = "70000";
  EXPECT_NE(error_for(bad_port).find("MASTER_PORT"), std::string::npos);
  Variables no_addr = torchrun("0", "2");
  no_addr.erase("MASTER_ADDR");
  EXPECT_NE(error_for(no_addr).find("MASTER_ADDR"), std::string::npos);
  Variables bad_flag = torchrun("0", "2");
  bad_flag["TORCHELASTIC_USE_AGENT_STORE"] = "maybe";
  EXPECT_NE(error_for(bad_flag).find("TORCHELASTIC_USE_AGENT_STORE"), std::string::npos);
}

TEST(Rendezvous, ReadsSlurmVariables) {
  const Variables one_node = {{"SLURM_PROCID", "3"},
                              {"SLURM_NTASKS", "4"},
                              {"SLURM_LOCALID", "3"},
                              {"SLURM_NNODES", "1"},
                              {"SLURM_JOB_ID", "12345"}};
  const DistEnv env = read_dist_env(lookup_in(one_node));
  EXPECT_EQ(env.source, "slurm");
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 3);
  EXPECT_EQ(env.master_addr, "127.0.0.1");
  EXPECT_EQ(env.master_port, 20000 + 12345 % 10000);

  Variables two_nodes = one_node;
  two_nodes["SLURM_NNODES"] = "2";
  EXPECT_NE(error_for(two_nodes).find("MASTER_ADDR"), std::string::npos);
  two_nodes["MASTER_ADDR"] = "gpu-node-7";
  two_nodes["MASTER_PORT"] = "29501";
  const DistEnv explicit_master = read_dist_env(lookup_in(two_nodes));
  EXPECT_EQ(explicit_master.master_addr, "gpu-node-7");
  EXPECT_EQ(explicit_master.master_port, 29501);

  Variables past_end = one_node;
  past_end["SLURM_PROCID"] = "4";
  EXPECT_NE(error_for(past_end).find("SLURM_PROCID"), std::string::npos);
  Variables no_local = one_node;
  no_local.erase("SLURM_LOCALID");
  EXPECT_NE(error_for(no_local).find("SLURM_LOCALID"), std::string::npos);
}

TEST(Rendezvous, ExplicitLayoutIsValidated) {
  EXPECT_EQ(explicit_dist_env(1, 2, 1, "127.0.0.1", 29500).source, "explicit");
  EXPECT_THROW(explicit_dist_env(2, 2, 0, "127.0.0.1", 29500), Error);
  EXPECT_THROW(explicit_dist_env(0, 0, 0, "127.0.0.1", 29500), Error);
  EXPECT_THROW(explicit_dist_env(0, 2, 0, "127.0.0.1", 0), Error);
}

TEST(Rendezvous, ResolvesTheBackend) {
  const DistEnv one;
  const DistEnv two = explicit_dist_env(0, 2, 0, "127.0.0.1", 29500);
  EXPECT_EQ(resolve_backend(one, "auto"), "single");
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(resolve_backend(two, "auto"), "gloo");
  }
  EXPECT_THROW(resolve_backend(two, "single"), Error);
  EXPECT_THROW(resolve_backend(two, "mpi"), Error);
  EXPECT_EQ(make_communicator(one, "auto", std::chrono::seconds(1))->backend_name(), "single");
  EXPECT_THROW(make_communicator(one, "auto", std::chrono::milliseconds(0)), Error);
}

TEST(Rendezvous, RanksMeetThroughTheProcessEnvironment) {
  const auto outcomes = testing::run_ranks(2, [](int rank, int world, int port) {
    setenv("RANK", std::to_string(rank).c_str(), 1);
    setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
    setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
    setenv("MASTER_ADDR", "127.0.0.1", 1);
    setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    const DistEnv env = read_dist_env();
    const auto comm = make_communicator(env, "auto", std::chrono::seconds(20));
    testing::require(comm->backend_name() == "gloo", "auto picks gloo on the CPU");
    torch::Tensor t = torch::full({2}, static_cast<double>(rank));
    comm->all_reduce_sum(t);
    testing::require(torch::equal(t, torch::full({2}, 1.0)), "the ranks reduced together");
  });
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.exit_code, 0) << testing::describe(outcomes);
  }
}

}  // namespace
}  // namespace swinpp::dist

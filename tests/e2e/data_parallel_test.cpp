// Data-parallel training through the swinpp program, with real processes over
// 127.0.0.1: every launcher and every ZeRO stage must end with the weights of
// one process that trains on the same global batches.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../train/train_fixture.h"
#include "swinpp/config/config_io.h"
#include "swinpp/dist/launcher.h"
#include "swinpp/dist/zero_state.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/checkpoint.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

using Env = std::vector<std::pair<std::string, std::string>>;

/// The launcher variables a test process may have inherited.
const char* const kLauncherVariables[] = {"RANK",         "WORLD_SIZE",   "LOCAL_RANK",
                                          "MASTER_ADDR",  "MASTER_PORT",  "LOCAL_WORLD_SIZE",
                                          "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"};

/// Starts `argv` with stdout and stderr appended to `log` and `env` on top of
/// this environment (launcher variables removed).
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, const Env& env = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    for (const char* name : kLauncherVariables) unsetenv(name);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    freopen(log.c_str(), "a", stderr);
    dup2(fileno(stderr), fileno(stdout));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A run of the tiny model: 24 training images, 2 steps per epoch of global
/// batch 12 at any world size, no batch-level randomness (no mixup, no drop
/// path) so that the ranks' union is exactly one process's batch. Splitting
/// the batch changes the order of float sums (~1e-7 relative); AdamW with
/// eps 1e-8 magnifies that in near-zero gradient entries to 4e-5 of the
/// weights after 6 steps, so these runs use eps 1e-4. At equal world size
/// and without clipping, ZeRO and the all-reduce give identical bits.
struct TrainingRun {
  fs::path root;
  std::string name;
  config::Config cfg;

  TrainingRun(const fs::path& root, const std::string& data, const std::string& name, int world,
              int zero_stage)
      : root(root), name(name), cfg(tiny_config(data, (root / name).string())) {
    cfg.data.batch_size = 12 / world;
    cfg.model.drop_path_rate = 0.0;
    cfg.aug.mixup = 0.0;
    cfg.aug.cutmix = 0.0;
    cfg.train.epochs = 3;
    cfg.train.base_lr = 2e-3;
    cfg.train.optimizer.eps = 1e-4;
    cfg.dist.zero_stage = zero_stage;
    cfg.dist.timeout_s = 120;
    write_config();
  }
  /// Writes `cfg` where the runs read it (again after a change).
  void write_config() const { std::ofstream(config_path()) << config::to_yaml(cfg); }
  fs::path config_path() const { return root / (name + ".yaml"); }
  fs::path log() const { return root / (name + ".log"); }
  fs::path checkpoints() const { return root / name / cfg.model.name / cfg.tag / "checkpoints"; }
  std::vector<std::string> finetune(int64_t max_steps = 0) const {
    std::vector<std::string> args = {"finetune", "--threads", "1", "--config",
                                     config_path().string()};
    if (max_steps > 0) args.insert(args.end(), {"--max-steps", std::to_string(max_steps)});
    return args;
  }
  io::TensorMap final_weights() const {
    const auto dir = train::latest_checkpoint(checkpoints().string());
    if (!dir) ADD_FAILURE() << "no checkpoint under " << checkpoints();
    return dir ? io::load_safetensors(*dir + "/model.safetensors") : io::TensorMap{};
  }
};

/// Runs swinpp with `args` (after the program name); true on exit code 0.
::testing::AssertionResult swinpp(const TrainingRun& run, std::vector<std::string> args,
                                  const Env& env = {}) {
  args.insert(args.begin(), SWINPP_BINARY);
  const int code = wait_exit(spawn(args, run.log(), env));
  if (code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "exit code " << code << "\n" << read_file(run.log());
}

/// `swinpp launch --nproc N -- swinpp <args>`.
::testing::AssertionResult launch(const TrainingRun& run, int nproc,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> full = {"launch", "--nproc", std::to_string(nproc), "--", "swinpp"};
  full.insert(full.end(), args.begin(), args.end());
  return swinpp(run, full);
}

/// Starts `world` ranks of `swinpp finetune` for `run` directly (no
/// launcher), rank r with the variables env_of(r); returns their pids.
std::vector<pid_t> spawn_ranks(const TrainingRun& run, int world,
                               const std::function<Env(int rank)>& env_of) {
  std::vector<std::string> args = run.finetune();
  args.insert(args.begin(), SWINPP_BINARY);
  std::vector<pid_t> ranks;
  for (int rank = 0; rank < world; ++rank) ranks.push_back(spawn(args, run.log(), env_of(rank)));
  return ranks;
}

/// Every tensor of `actual` within 1e-5 of `expected`, relative to the
/// largest magnitude of the expected tensor.
void expect_same_weights(const io::TensorMap& actual, const io::TensorMap& expected,
                         const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  ASSERT_FALSE(expected.empty()) << what;
  double worst = 0.0;
  std::string worst_name;
  for (const auto& [name, e] : expected) {
    const auto it = actual.find(name);
    ASSERT_NE(it, actual.end()) << what << ": " << name << " missing";
    if (!e.is_floating_point()) {
      EXPECT_TRUE(torch::equal(it->second, e)) << what << ": " << name;
      continue;
    }
    const double scale = std::max(e.abs().max().item<double>(), 1e-12);
    const double err = (it->second - e).abs().max().item<double>() / scale;
    if (err > worst) worst = err, worst_name = name;
  }
  EXPECT_LE(worst, 1e-5) << what << ": worst relative difference " << worst << " in " << worst_name;
}

class DataParallel : public ::testing::Test {
 protected:
  TempDir tmp{"swinpp_dp"};
  std::string data = make_tiny_dataset(tmp.path / "data");

  io::TensorMap one_process() {
    TrainingRun single(tmp.path, data, "single", 1, 0);
    EXPECT_TRUE(swinpp(single, single.finetune()));
    return single.final_weights();
  }
};

TEST_F(DataParallel, TwoAndThreeRanksTrainLikeOneProcess) {
  const auto expected = one_process();
  for (int world : {2, 3}) {
    TrainingRun run(tmp.path, data, "world" + std::to_string(world), world, 0);
    ASSERT_TRUE(launch(run, world, run.finetune()));
    expect_same_weights(run.final_weights(), expected, run.name);
    const std::string log = read_file(run.log());
    EXPECT_NE(log.find("[rank 0] [info] done: 6 steps"), std::string::npos) << log;
    // Every rank evaluates its share; at 3 ranks one of the 9 shard places
    // repeats an image, which must not count.
    EXPECT_NE(log.find("(8 images)"), std::string::npos) << log;
    EXPECT_EQ(log.find("[rank 1] [info]"), std::string::npos) << "only rank 0 logs:\n" << log;
  }
}

TEST_F(DataParallel, AccumulationMicroStepsTrainLikeOneProcess) {
  const auto expected = one_process();
  TrainingRun run(tmp.path, data, "accumulate", 2, 0);
  run.cfg.data.batch_size = 3;  // 2 ranks x 3 images x 2 micro-steps = 12
  run.cfg.train.accumulation_steps = 2;
  run.write_config();
  ASSERT_TRUE(launch(run, 2, run.finetune()));
  expect_same_weights(run.final_weights(), expected, run.name);
}

TEST_F(DataParallel, ZeroStagesTrainLikeOneProcess) {
  const auto expected = one_process();
  for (int stage : {1, 2, -2}) {  // -2: stage 2 with accumulation micro-steps
    TrainingRun run(tmp.path, data, "zero" + std::to_string(stage), 2, std::abs(stage));
    if (stage < 0) {
      run.cfg.data.batch_size = 3;  // 2 ranks x 3 images x 2 micro-steps = 12
      run.cfg.train.accumulation_steps = 2;
      run.write_config();
    }
    ASSERT_TRUE(launch(run, 2, run.finetune()));
    expect_same_weights(run.final_weights(), expected, run.name);
    const auto last = train::latest_checkpoint(run.checkpoints().string());
    ASSERT_TRUE(last.has_value());
    const fs::path shards = fs::path(*last) / "optimizer";
    EXPECT_TRUE(fs::exists(shards / dist::kZeroCompletionMarker));
    EXPECT_TRUE(fs::exists(shards / dist::zero_shard_file_name(1, 2)));
    EXPECT_FALSE(fs::exists(fs::path(*last) / "optimizer.pt"));
  }
}

TEST_F(DataParallel, ShardedCheckpointResumesAtAnotherWorldSize) {
  const auto expected = one_process();
  // ZeRO-1 on 2 ranks stops mid-epoch 1 (step 3 of 6) ...
  TrainingRun first(tmp.path, data, "sharded", 2, 1);
  ASSERT_TRUE(launch(first, 2, first.finetune(3)));
  const auto step3 = train::latest_checkpoint(first.checkpoints().string());
  ASSERT_TRUE(step3.has_value());
  ASSERT_TRUE(fs::exists(fs::path(*step3) / "optimizer" / dist::zero_shard_file_name(0, 2)));

  // ... and goes on as ZeRO-2 on 3 ranks, and, consolidated, as one replicated process.
  struct Resume {
    std::string name;
    int world;
    int stage;
  };
  for (const Resume& r : {Resume{"resumed3", 3, 2}, Resume{"resumed1", 1, 0}}) {
    TrainingRun run(tmp.path, data, r.name, r.world, r.stage);
    fs::create_directories(run.checkpoints());
    const fs::path copy = run.checkpoints() / fs::path(*step3).filename();
    fs::copy(*step3, copy, fs::copy_options::recursive);
    if (r.world == 1) {  // the ordinary checkpoint `swinpp consolidate` makes
      ASSERT_TRUE(swinpp(run, {"consolidate", copy.string()}));
      EXPECT_FALSE(fs::exists(copy / "optimizer"));
      EXPECT_TRUE(dist::load_zero_state((copy / "optimizer.pt").string()).has_value());
    }
    if (r.world == 1) {
      ASSERT_TRUE(swinpp(run, run.finetune()));
    } else {
      ASSERT_TRUE(launch(run, r.world, run.finetune()));
    }
    EXPECT_NE(read_file(run.log()).find("resumed from"), std::string::npos);
    expect_same_weights(run.final_weights(), expected, r.name);
  }
}

TEST_F(DataParallel, TorchrunLaunchesTheRanks) {
  // The torchrun of the PyTorch wheel swinpp was built against.
  const std::string torchrun = SWINPP_TORCHRUN;
  if (torchrun.empty() || !fs::exists(torchrun)) GTEST_SKIP() << "torchrun is not installed";
  const auto expected = one_process();
  TrainingRun run(tmp.path, data, "torchrun", 2, 0);
  std::vector<std::string> args = {torchrun, "--standalone", "--nproc_per_node",
                                   "2",      "--no_python",  SWINPP_BINARY};
  const auto finetune = run.finetune();
  args.insert(args.end(), finetune.begin(), finetune.end());
  const int code = wait_exit(spawn(args, run.log(), {{"OMP_NUM_THREADS", "1"}}));
  ASSERT_EQ(code, 0) << read_file(run.log());
  expect_same_weights(run.final_weights(), expected, run.name);
}

TEST_F(DataParallel, SlurmVariablesAreEnough) {
  const auto expected = one_process();
  TrainingRun run(tmp.path, data, "srun", 2, 0);
  const std::string port = std::to_string(dist::find_free_port());
  const auto ranks = spawn_ranks(run, 2, [&](int rank) -> Env {
    return {{"SLURM_PROCID", std::to_string(rank)},
            {"SLURM_LOCALID", std::to_string(rank)},
            {"SLURM_NTASKS", "2"},
            {"SLURM_NNODES", "1"},
            {"SLURM_NTASKS_PER_NODE", "2"},
            {"MASTER_PORT", port}};
  });
  for (pid_t pid : ranks) ASSERT_EQ(wait_exit(pid), 0) << read_file(run.log());
  expect_same_weights(run.final_weights(), expected, run.name);
}

/// Waits up to `limit` for `pid`; kills it and returns -1 if it is still running.
int wait_exit_within(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

TEST_F(DataParallel, KilledRankMakesTheOthersFailInsteadOfHanging) {
  TrainingRun run(tmp.path, data, "killed", 2, 0);
  run.cfg.train.epochs = 1000;  // far longer than the test
  run.cfg.dist.timeout_s = 30;
  run.write_config();
  const std::string port = std::to_string(dist::find_free_port());
  const auto ranks = spawn_ranks(run, 2, [&](int rank) -> Env {
    return {{"RANK", std::to_string(rank)},
            {"LOCAL_RANK", std::to_string(rank)},
            {"WORLD_SIZE", "2"},
            {"MASTER_ADDR", "127.0.0.1"},
            {"MASTER_PORT", port}};
  });
  // Kill rank 1 once the ranks are training (rank 0 has written a metrics line).
  const fs::path metrics = tmp.path / "killed" / run.cfg.model.name / run.cfg.tag / "metrics.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && read_file(metrics).empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_FALSE(read_file(metrics).empty()) << read_file(run.log());
  kill(ranks[1], SIGKILL);
  waitpid(ranks[1], nullptr, 0);
  const auto start = std::chrono::steady_clock::now();
  const int code = wait_exit_within(ranks[0], std::chrono::seconds(60));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_NE(code, -1) << "rank 0 still running 60 s after its peer died\n" << read_file(run.log());
  EXPECT_EQ(code, 1) << read_file(run.log());
  EXPECT_LT(seconds, 40.0);  // the collective timeout (30 s) at the latest
  const std::string log = read_file(run.log());
  EXPECT_NE(log.find("swinpp: error:"), std::string::npos) << log;
  EXPECT_NE(log.find("gloo"), std::string::npos) << log;
  RecordProperty("seconds_to_fail", std::to_string(seconds));
}

TEST_F(DataParallel, BadLauncherEnvironmentNamesTheVariable) {
  TrainingRun run(tmp.path, data, "bad_env", 2, 0);
  const auto ranks = spawn_ranks(run, 1, [](int) -> Env {
    return {{"RANK", "2"}, {"WORLD_SIZE", "2"}};
  });
  const int code = wait_exit(ranks.front());
  EXPECT_EQ(code, 1);
  EXPECT_NE(read_file(run.log()).find("RANK"), std::string::npos) << read_file(run.log());
}

}  // namespace
}  // namespace swinpp::testing

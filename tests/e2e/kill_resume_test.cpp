// A training process killed with SIGKILL and started again ends with the same
// weights, bit for bit, as one that ran straight through.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "../train/train_fixture.h"
#include "swinpp/config/config_io.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/checkpoint.h"

namespace swinpp::testing {
namespace {

namespace fs = std::filesystem;

pid_t spawn_finetune(const std::string& config) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string log = config + ".log";
    freopen(log.c_str(), "a", stderr);
    execl(SWINPP_BINARY, SWINPP_BINARY, "finetune", "--threads", "1", "--config", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string read_log(const std::string& config) {
  std::ifstream in(config + ".log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string write_config(const config::Config& c, const fs::path& path) {
  std::ofstream(path) << config::to_yaml(c);
  return path.string();
}

io::TensorMap final_weights(const fs::path& run) {
  const auto dir = train::latest_checkpoint((run / "checkpoints").string());
  EXPECT_TRUE(dir.has_value()) << run;
  return io::load_safetensors(*dir + "/model.safetensors");
}

TEST(KillResume, SigkillThenRestartIsBitIdentical) {
  TempDir tmp("swinpp_kill");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "straight").string());
  c.train.epochs = 3;
  c.train.save_steps = 1;
  ASSERT_EQ(wait_exit(spawn_finetune(write_config(c, tmp.path / "straight.yaml"))), 0);

  c.output = (tmp.path / "killed").string();
  const auto config = write_config(c, tmp.path / "killed.yaml");
  const fs::path checkpoints = tmp.path / "killed" / c.model.name / c.tag / "checkpoints";
  const pid_t pid = spawn_finetune(config);
  // Kill it once it has written a checkpoint past step 3 (mid-way through epoch 0).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  bool killed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto latest = train::latest_checkpoint(checkpoints.string());
    if (latest && *latest >= (checkpoints / "ckpt_step_00000004").string()) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(killed) << "no checkpoint appeared";
  ASSERT_EQ(wait_exit(pid), -SIGKILL) << "the run ended before it could be killed";
  ASSERT_EQ(wait_exit(spawn_finetune(config)), 0) << read_log(config);

  const auto a = final_weights(tmp.path / "straight" / c.model.name / c.tag);
  const auto b = final_weights(tmp.path / "killed" / c.model.name / c.tag);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, value] : a) EXPECT_TRUE(torch::equal(value, b.at(key))) << key;
}

TEST(KillResume, SigkillAtRandomMomentsNeverLosesTheRun) {
  TempDir tmp("swinpp_kills");
  const auto data = make_tiny_dataset(tmp.path / "data");
  auto c = tiny_config(data, (tmp.path / "straight").string());
  c.train.epochs = 3;
  c.train.save_steps = 1;  // a save (and a pruning) after every step
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_exit(spawn_finetune(write_config(c, tmp.path / "straight.yaml"))), 0);
  const auto straight_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();

  c.output = (tmp.path / "killed").string();
  const auto config = write_config(c, tmp.path / "killed.yaml");
  const fs::path checkpoints = tmp.path / "killed" / c.model.name / c.tag / "checkpoints";
  // Kills at random moments of the first half of a run's time (start-up,
  // steps, saves, pruning), each restart resuming from what the previous left.
  // Start-up alone takes about a third of a run on two cores: a third
  // can kill every restart before its first new checkpoint.
  std::mt19937 random(20261130);
  std::uniform_int_distribution<long> moment(0, straight_ms / 2);
  int kills = 0;
  std::set<std::string> resumed_from;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto latest = train::latest_checkpoint(checkpoints.string());
    if (latest) resumed_from.insert(*latest);
    const pid_t pid = spawn_finetune(config);
    std::this_thread::sleep_for(std::chrono::milliseconds(moment(random)));
    kill(pid, SIGKILL);
    const int status = wait_exit(pid);
    if (status == 0) break;  // it finished first
    ASSERT_EQ(status, -SIGKILL) << read_log(config);
    ++kills;
  }
  ASSERT_EQ(wait_exit(spawn_finetune(config)), 0) << read_log(config);
  std::cout << kills << " kills over a " << straight_ms << " ms run; restarts from "
            << resumed_from.size() << " different checkpoints\n";
  EXPECT_GE(kills, 4);  // timing on a loaded machine varies; the counts are printed
  EXPECT_GE(resumed_from.size(), 2u);

  const auto a = final_weights(tmp.path / "straight" / c.model.name / c.tag);
  const auto b = final_weights(tmp.path / "killed" / c.model.name / c.tag);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, value] : a) EXPECT_TRUE(torch::equal(value, b.at(key))) << key;
  for (const auto& entry : fs::directory_iterator(checkpoints))
    EXPECT_EQ(entry.path().extension(), "") << "leftover " << entry.path();
}

}  // namespace
}  // namespace swinpp::testing

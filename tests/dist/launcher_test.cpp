// launch_local: environment of the ranks, failure handling, signal forwarding.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "multi_process.h"
#include "swinpp/dist/launcher.h"
#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> shell(const std::string& script) { return {"sh", "-c", script}; }

TEST(LaunchLocal, EveryRankGetsTheLauncherVariables) {
  testing::TempDir dir;
  const std::string script = "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $MASTER_ADDR $MASTER_PORT\" > " +
                             dir.path().string() + "/rank_$RANK";
  ASSERT_EQ(launch_local(3, shell(script), 0), 0);
  std::string first_port;
  for (int rank = 0; rank < 3; ++rank) {
    std::ifstream in(dir.path() / ("rank_" + std::to_string(rank)));
    std::string r, world, local, addr, port;
    in >> r >> world >> local >> addr >> port;
    EXPECT_EQ(r, std::to_string(rank));
    EXPECT_EQ(world, "3");
    EXPECT_EQ(local, std::to_string(rank));
    EXPECT_EQ(addr, "127.0.0.1");
    EXPECT_GT(std::stoi(port), 0);
    if (rank == 0) {
      first_port = port;
    }
    EXPECT_EQ(port, first_port) << "one port for all ranks";
  }
  testing::TempDir fixed;
  ASSERT_EQ(launch_local(1, shell("echo $MASTER_PORT > " + fixed.path().string() + "/port"), 29999),
            0);
  std::ifstream port_file(fixed.path() / "port");
  int port = 0;
  port_file >> port;
  EXPECT_EQ(port, 29999);
}

TEST(LaunchLocal, FailingRankStopsTheOthersAndGivesItsCode) {
  const Clock::time_point start = Clock::now();
  const int code = launch_local(3, shell("if [ $RANK = 1 ]; then exit 7; fi; exec sleep 30"), 0);
  EXPECT_EQ(code, 7);
  EXPECT_LT(seconds_since(start), 10.0) << "the sleeping ranks were terminated";
}

TEST(LaunchLocal, RankIgnoringSigtermIsKilledAfterTheGrace) {
  LaunchOptions options;
  options.grace = std::chrono::milliseconds(500);
  const Clock::time_point start = Clock::now();
  const int code = launch_local(2,
                                shell("if [ $RANK = 0 ]; then sleep 0.3; exit 3; fi; trap '' TERM; "
                                      "while true; do sleep 0.1; done"),
                                0, options);
  EXPECT_EQ(code, 3);
  EXPECT_LT(seconds_since(start), 10.0);
}

TEST(LaunchLocal, ProgramThatCannotStartFails) {
  EXPECT_EQ(launch_local(2, {"/nonexistent/swinpp-program"}, 0), 127);
}

TEST(LaunchLocal, ForwardsSigtermToTheRanks) {
  const pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    // The ranks exit with 5 only when they receive the forwarded SIGTERM.
    _exit(launch_local(2, shell("trap 'exit 5' TERM; while true; do sleep 0.1; done"), 0));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  kill(launcher, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(launcher, &status, 0), launcher);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
}

TEST(LaunchLocal, TheStoreListensOnThePortTheRanksAreGiven) {
  testing::TempDir dir;
  // The ranks connect as clients to the launcher's store at MASTER_PORT.
  const std::string file = dir.path().string() + "/port";
  ASSERT_EQ(launch_local(1, shell("echo $MASTER_PORT $TORCHELASTIC_USE_AGENT_STORE > " + file), 0),
            0);
  std::ifstream in(file);
  int port = 0;
  std::string agent_store;
  in >> port >> agent_store;
  EXPECT_EQ(agent_store, "True");
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0)
      << "the store's port is released once the ranks are done";
  ASSERT_EQ(::listen(fd, 1), 0);
  // A port someone else holds is an error naming it, before any rank starts.
  try {
    launch_local(1, shell("true"), port);
    ADD_FAILURE() << "expected an error for the taken port " << port;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("port " + std::to_string(port)), std::string::npos)
        << e.what();
  }
  ::close(fd);
}

TEST(LaunchLocal, RejectsBadArguments) {
  EXPECT_THROW(launch_local(0, shell("true"), 0), Error);
  EXPECT_THROW(launch_local(1, {}, 0), Error);
  EXPECT_THROW(launch_local(1, shell("true"), 70000), Error);
}

}  // namespace
}  // namespace swinpp::dist

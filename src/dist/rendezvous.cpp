#include "swinpp/dist/rendezvous.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "swinpp/util/error.h"

namespace swinpp::dist {
namespace {

constexpr int kDefaultMasterPort = 29500;
constexpr int kSlurmPortBase = 20000;
constexpr int kSlurmPortRange = 10000;

/// Reads the variables of one launcher, naming each in its errors.
class EnvReader {
 public:
  EnvReader(const EnvLookup& lookup, std::string launcher)
      : lookup_(lookup), launcher_(std::move(launcher)) {}

  std::optional<std::string> text(const std::string& name) const {
    std::optional<std::string> value = lookup_(name);
    if (value && value->empty()) {
      return std::nullopt;
    }
    return value;
  }

  std::string required_text(const std::string& name, const std::string& why) const {
    std::optional<std::string> value = text(name);
    if (!value) {
      throw Error(name + " is not set: " + launcher_ + " " + why);
    }
    return *value;
  }

  /// A non-negative integer; std::nullopt when unset.
  std::optional<int> integer(const std::string& name) const {
    const std::optional<std::string> value = text(name);
    if (!value) {
      return std::nullopt;
    }
    size_t used = 0;
    long parsed = -1;
    try {
      parsed = std::stol(*value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value->size() || parsed < 0 || parsed > std::numeric_limits<int>::max()) {
      throw Error(name + ": expected a non-negative integer, found '" + *value + "'");
    }
    return static_cast<int>(parsed);
  }

  int required_integer(const std::string& name, const std::string& why) const {
    required_text(name, why);
    return *integer(name);
  }

 private:
  const EnvLookup& lookup_;
  std::string launcher_;
};

void check_rank(int rank, int world_size, const std::string& rank_name,
                const std::string& world_name) {
  if (world_size < 1) {
    throw Error(world_name + ": expected at least 1, found " + std::to_string(world_size));
  }
  if (rank >= world_size) {
    throw Error(rank_name + ": expected a rank below " + world_name + " (" +
                std::to_string(world_size) + "), found " + std::to_string(rank));
  }
}

void check_port(int port, const std::string& name) {
  if (port < 1 || port > 65535) {
    throw Error(name + ": expected a TCP port in 1..65535, found " + std::to_string(port));
  }
}

bool parse_flag(const EnvReader& reader, const std::string& name) {
  const std::optional<std::string> value = reader.text(name);
  if (!value || *value == "False" || *value == "false" || *value == "0") {
    return false;
  }
  if (*value == "True" || *value == "true" || *value == "1") {
    return true;
  }
  throw Error(name + ": expected True or False, found '" + *value + "'");
}

DistEnv read_torchrun(const EnvLookup& lookup) {
  const EnvReader reader(lookup, "torchrun-style launch (RANK, WORLD_SIZE)");
  DistEnv env;
  env.source = "torchrun";
  env.world_size = reader.required_integer("WORLD_SIZE", "is incomplete: RANK is set");
  env.rank = reader.required_integer("RANK", "is incomplete: WORLD_SIZE is set");
  check_rank(env.rank, env.world_size, "RANK", "WORLD_SIZE");
  if (env.world_size == 1) {
    env.local_rank = reader.integer("LOCAL_RANK").value_or(0);
    return env;
  }
  const std::string why = "needs it for WORLD_SIZE > 1";
  env.local_rank = reader.required_integer("LOCAL_RANK", why);
  env.local_world_size = std::max(1, reader.integer("LOCAL_WORLD_SIZE").value_or(1));
  env.master_addr = reader.required_text("MASTER_ADDR", why);
  env.master_port = reader.required_integer("MASTER_PORT", why);
  check_port(env.master_port, "MASTER_PORT");
  env.agent_store = parse_flag(reader, "TORCHELASTIC_USE_AGENT_STORE");
  env.restart_count = reader.integer("TORCHELASTIC_RESTART_COUNT").value_or(0);
  return env;
}

DistEnv read_slurm(const EnvLookup& lookup) {
  const EnvReader reader(lookup, "a Slurm launch (SLURM_PROCID)");
  DistEnv env;
  env.source = "slurm";
  env.rank = reader.required_integer("SLURM_PROCID", "is set");
  env.world_size = reader.required_integer("SLURM_NTASKS", "needs it: SLURM_PROCID is set");
  check_rank(env.rank, env.world_size, "SLURM_PROCID", "SLURM_NTASKS");
  env.local_rank = reader.required_integer("SLURM_LOCALID", "needs it: SLURM_PROCID is set");
  env.local_world_size = std::max(1, reader.integer("SLURM_NTASKS_PER_NODE").value_or(1));
  if (const std::optional<std::string> addr = reader.text("MASTER_ADDR")) {
    env.master_addr = *addr;
  } else if (reader.integer("SLURM_NNODES").value_or(0) == 1 || env.world_size == 1) {
    env.master_addr = "127.0.0.1";
  } else {
    throw Error(
        "MASTER_ADDR is not set: a Slurm job on several nodes needs it, e.g. "
        "export MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n1)");
  }
  if (const std::optional<int> port = reader.integer("MASTER_PORT")) {
    env.master_port = *port;
  } else if (const std::optional<int> job = reader.integer("SLURM_JOB_ID")) {
    env.master_port = kSlurmPortBase + *job % kSlurmPortRange;
  } else {
    env.master_port = kDefaultMasterPort;
  }
  check_port(env.master_port, "MASTER_PORT");
  return env;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

DistEnv read_dist_env(const EnvLookup& lookup) {
  if (lookup("RANK") || lookup("WORLD_SIZE")) {
    return read_torchrun(lookup);
  }
  if (lookup("SLURM_PROCID")) {
    return read_slurm(lookup);
  }
  return DistEnv{};
}

DistEnv explicit_dist_env(int rank, int world_size, int local_rank, const std::string& master_addr,
                          int master_port) {
  DistEnv env;
  env.rank = rank;
  env.world_size = world_size;
  env.local_rank = local_rank;
  env.master_addr = master_addr;
  env.master_port = master_port;
  env.source = "explicit";
  validate_dist_env(env);
  return env;
}

void validate_dist_env(const DistEnv& env) {
  if (env.rank < 0) {
    throw Error("rank: expected a non-negative rank, found " + std::to_string(env.rank));
  }
  check_rank(env.rank, env.world_size, "rank", "world_size");
  if (env.local_rank < 0) {
    throw Error("local_rank: expected a non-negative index, found " +
                std::to_string(env.local_rank));
  }
  if (env.world_size > 1 && env.master_addr.empty()) {
    throw Error("master_addr: expected a host name or address, found an empty string");
  }
  check_port(env.master_port, "master_port");
}

}  // namespace swinpp::dist

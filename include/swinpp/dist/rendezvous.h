#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "swinpp/dist/communicator.h"

namespace swinpp::dist {

/// Where this process sits in the job and how the ranks meet.
struct DistEnv {
  int rank = 0;
  int world_size = 1;
  /// The index on this machine: the GPU this rank drives.
  int local_rank = 0;
  /// Ranks on this machine (LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE; 1 when
  /// unknown): they share its CPU cores.
  int local_world_size = 1;
  /// Host and port of the TCP key-value store the ranks rendezvous through.
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  /// "single" (no launcher variables), "torchrun", "slurm" or "explicit".
  std::string source = "single";
  /// True when torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE=True):
  /// then every rank, rank 0 included, connects to it as a client.
  bool agent_store = false;
  /// TORCHELASTIC_RESTART_COUNT: keys of each restart live under their own prefix.
  int restart_count = 0;
};

/// Looks up one environment variable; std::nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment (getenv).
EnvLookup process_environment();

/// Reads the job layout from the environment, in this order:
///  - torchrun (or any launcher that sets them, launch_local included): RANK,
///    WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, all required once
///    RANK or WORLD_SIZE is set; TORCHELASTIC_USE_AGENT_STORE and
///    TORCHELASTIC_RESTART_COUNT when present;
///  - Slurm (srun): SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID. MASTER_ADDR
///    must be set for a job on several nodes (e.g. the first host of
///    `scontrol show hostnames $SLURM_JOB_NODELIST`); on one node
///    (SLURM_NNODES=1) it defaults to 127.0.0.1. MASTER_PORT defaults to
///    20000 + SLURM_JOB_ID % 10000, so that jobs sharing a node do not
///    collide, or 29500 without SLURM_JOB_ID;
///  - otherwise a single process (rank 0 of 1).
/// A missing, non-numeric or inconsistent variable (RANK >= WORLD_SIZE, RANK
/// without WORLD_SIZE, a port outside 1..65535) throws swinpp::Error naming it.
DistEnv read_dist_env(const EnvLookup& lookup = process_environment());

/// An explicit layout (source "explicit"), checked like one read from the
/// environment.
DistEnv explicit_dist_env(int rank, int world_size, int local_rank, const std::string& master_addr,
                          int master_port);

/// Throws swinpp::Error naming the field when `env` is inconsistent.
void validate_dist_env(const DistEnv& env);

/// The backend `requested` resolves to for `env`: "auto" is "single" for one
/// process, "nccl" when CUDA is available and NCCL was compiled in, else
/// "gloo". Throws swinpp::Error for an unknown name, a backend that was not
/// compiled in, or "single" with world_size > 1.
std::string resolve_backend(const DistEnv& env, const std::string& requested);

/// The version of the NCCL library LibTorch runs ("2.28.9"), or "none" when
/// this build has no NCCL backend.
std::string nccl_version();

/// Connects this rank to the others: a TCP store at master_addr:master_port
/// (hosted by rank 0 unless agent_store), then the backend's process group.
/// `requested` is auto|gloo|nccl|single (see resolve_backend); `timeout`
/// bounds the rendezvous and every later collective, after which a missing or
/// silent peer is an error rather than a hang. NCCL binds this process to
/// cuda:local_rank. Gloo sets SIGPIPE to ignored when it has its default
/// action (as Python does), so that writing to a dead peer fails the
/// collective instead of killing the process.
std::unique_ptr<Communicator> make_communicator(const DistEnv& env, const std::string& requested,
                                                std::chrono::milliseconds timeout);

}  // namespace swinpp::dist

#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "swinpp/dist/communicator.h"
#include "swinpp/optim/ema.h"
#include "swinpp/optim/loss_scaler.h"
#include "swinpp/train/parameter_updater.h"

namespace swinpp::train {

/// Where a training run stands: everything besides tensors that a resume needs.
struct TrainingPosition {
  int64_t epoch = 0;       ///< epoch of the next batch
  int64_t next_batch = 0;  ///< index within `epoch` of the next micro-batch
  int64_t step = 0;        ///< optimizer steps done
  bool epoch_end = false;  ///< written at the end of an epoch (kept when pruning)
};

/// The parts of a run a checkpoint holds.
struct CheckpointParts {
  torch::nn::Module* model = nullptr;
  ParameterUpdater* updater = nullptr;
  optim::LossScaler* scaler = nullptr;
  optim::ModelEma* ema = nullptr;  ///< may be null
  /// The ranks of the run; null for a single process.
  dist::Communicator* communicator = nullptr;
  std::string config_yaml;  ///< the resolved configuration
  std::string task;         ///< "finetune" or "pretrain"
};

/// Writes a checkpoint folder DIR/ckpt_step_NNNNNNNN: model.safetensors (the
/// module's state dict, reference names), ema.safetensors, the optimizer state
/// (optimizer.pt, or one shard per rank under optimizer/ with ZeRO; see
/// ParameterUpdater::save), trainer.pt (loss scaler) and state.json
/// (position, task, configuration, and the manifest: size and CRC-32 of every
/// other file). Every file is written atomically and synced into a temporary
/// folder, which is renamed into place, so a crash never leaves a partial
/// checkpoint under the final name. With a communicator every rank calls it;
/// rank 0 writes all but the optimizer shards, and it returns on every rank
/// once the folder is complete. Returns the folder written. A failing write
/// throws swinpp::Error naming the step, the file and the cause; the partial
/// folder is removed and earlier checkpoints are untouched.
std::string save_checkpoint(const std::string& dir, const CheckpointParts& parts,
                            const TrainingPosition& position);

/// Restores `parts` from a checkpoint folder, written at any world size, and
/// returns its position. Every file is first checked against the manifest.
/// Throws swinpp::Error naming the folder or file and the missing, damaged or
/// mismatched piece.
TrainingPosition load_checkpoint(const std::string& folder, const CheckpointParts& parts);

/// The newest complete checkpoint folder under `dir` (one with its completion
/// marker), if any. Its files are not checked; see latest_intact_checkpoint.
std::optional<std::string> latest_checkpoint(const std::string& dir);

/// The newest checkpoint under `dir` whose files all match its manifest, and
/// why each newer one was passed over.
struct IntactCheckpoint {
  std::optional<std::string> folder;  ///< none when no checkpoint is intact
  std::vector<std::string> damaged;   ///< one message per newer damaged checkpoint, naming the file
};

/// Searches `dir` from the newest complete checkpoint down, reading every file
/// of each (size and CRC-32 against its manifest) until one is intact.
IntactCheckpoint latest_intact_checkpoint(const std::string& dir);

/// Turns the ZeRO optimizer shards of checkpoint `folder` into one
/// optimizer.pt (see consolidate_optimizer_shards) after checking the folder
/// against its manifest, and records the new files in the manifest.
void consolidate_checkpoint(const std::string& folder);

/// Removes step checkpoints under `dir` except the newest `keep`; checkpoints
/// written at the end of an epoch are kept.
void prune_checkpoints(const std::string& dir, int keep);

}  // namespace swinpp::train

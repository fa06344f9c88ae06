#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <string>

#include "swinpp/config/config.h"
#include "swinpp/dist/communicator.h"
#include "swinpp/train/training_task.h"

namespace swinpp::train {

/// Settings of a Trainer that are not part of the configuration.
struct TrainerOptions {
  /// The ranks of a data-parallel run (see dist::make_communicator); null for
  /// one process. Every rank builds its Trainer from the same configuration
  /// and calls fit().
  std::shared_ptr<dist::Communicator> communicator;
  /// Where the model trains: the CPU or one CUDA device (batches are copied
  /// there; autocast and the loss scaler follow it).
  c10::Device device{c10::DeviceType::CPU};
  /// Stop after this many optimizer steps in total (0 = run every epoch); the
  /// run still ends with a checkpoint.
  int64_t max_steps = 0;
  /// Step checkpoints kept besides the end-of-epoch ones.
  int keep_step_checkpoints = 2;
  /// Debugging: every step but the logging and checkpoint steps and the first
  /// two of the run (which make device caches and ZeRO-2's bucket order; with
  /// TRAIN.CUDA_GRAPH three, the third capturing the graph) runs
  /// with CUDA's sync debug mode set to error (from the batch upload to the
  /// EMA update), so that an operation that waits for the GPU throws. Needs a
  /// CUDA device; TRAIN.STOP_AT_NON_FINITE reads every step and is left out.
  bool forbid_device_syncs = false;
};

/// The training loop shared by fine-tuning and pre-training. One step:
/// micro-batches (TRAIN.ACCUMULATION_STEPS) -> forward under autocast ->
/// backward -> gradients averaged over ranks -> unscale and check (the
/// found-inf flag agreed by all ranks) -> clip (TRAIN.CLIP_GRAD) -> AdamW ->
/// EMA -> schedule -> log. Checkpoints every SAVE_FREQ epochs, every
/// TRAIN.SAVE_STEPS steps and at the end, in OUTPUT/MODEL.NAME/TAG/checkpoints;
/// resumes from MODEL.RESUME or, with TRAIN.AUTO_RESUME, the newest
/// checkpoint, continuing the exact sample sequence mid-epoch.
///
/// Data parallelism: rank 0's weights are broadcast at the start; each rank
/// reads its shard of every epoch (rank r takes every world-th sample of the
/// shuffled order, so a step sees the same global batch at any world size
/// with the same total batch); randomness that is not per sample (drop path,
/// mixup) is seeded per (step, rank). Every rank evaluates its share of the
/// validation set; only rank 0 logs and writes metrics and checkpoints; logged
/// training losses, throughput and validation results cover all ranks.
/// DIST.ZERO_STAGE 1/2 shards the AdamW state.
class Trainer {
 public:
  Trainer(config::Config config, std::shared_ptr<TrainingTask> task, TrainerOptions options = {});
  ~Trainer();

  /// Trains until the last epoch (or max_steps). Returns the final metrics of
  /// the last end-of-epoch evaluation (empty when the task has none).
  std::map<std::string, double> fit();

  /// OUTPUT/MODEL.NAME/TAG.
  const std::string& run_dir() const { return run_dir_; }

 private:
  struct State;
  std::unique_ptr<State> s_;
  std::string run_dir_;
};

}  // namespace swinpp::train

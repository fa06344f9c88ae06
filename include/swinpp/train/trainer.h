#pragma once

#include <memory>
#include <string>

#include "swinpp/config/config.h"
#include "swinpp/train/training_task.h"

namespace swinpp::train {

/// Settings of a Trainer that are not part of the configuration.
struct TrainerOptions {
  int rank = 0;
  int world_size = 1;
  /// Stop after this many optimizer steps in total (0 = run every epoch); the
  /// run still ends with a checkpoint.
  int64_t max_steps = 0;
  /// Step checkpoints kept besides the end-of-epoch ones.
  int keep_step_checkpoints = 2;
};

/// The training loop shared by fine-tuning and pre-training. One step:
/// micro-batches (TRAIN.ACCUMULATION_STEPS) -> forward under autocast ->
/// backward -> unscale and check -> clip (TRAIN.CLIP_GRAD) -> AdamW -> EMA ->
/// schedule -> log. Checkpoints every SAVE_FREQ epochs, every TRAIN.SAVE_STEPS
/// steps and at the end, in OUTPUT/MODEL.NAME/TAG/checkpoints; resumes from
/// MODEL.RESUME or, with TRAIN.AUTO_RESUME, the newest checkpoint, continuing
/// the exact sample sequence mid-epoch.
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

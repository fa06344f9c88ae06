#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace swinpp::config {

/// TRAIN.LR_SCHEDULER: the learning-rate schedule after warmup.
struct LrSchedulerConfig {
  /// TRAIN.LR_SCHEDULER.NAME: one of cosine, linear, step, multistep.
  std::string name = "cosine";
  /// TRAIN.LR_SCHEDULER.DECAY_EPOCHS: epochs between decays of the step schedule.
  int64_t decay_epochs = 30;
  /// TRAIN.LR_SCHEDULER.DECAY_RATE: factor of each decay of the step schedule.
  double decay_rate = 0.1;
  /// TRAIN.LR_SCHEDULER.WARMUP_PREFIX: count schedule time from the end of warmup.
  bool warmup_prefix = true;
  /// TRAIN.LR_SCHEDULER.GAMMA: factor of each decay of the multistep schedule.
  double gamma = 0.1;
  /// TRAIN.LR_SCHEDULER.MULTISTEPS: epochs at which the multistep schedule decays.
  std::vector<int64_t> multisteps;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(name, decay_epochs, decay_rate, warmup_prefix, gamma, multisteps);
  }
};

/// TRAIN.OPTIMIZER: the optimizer and its constants.
struct OptimizerConfig {
  /// TRAIN.OPTIMIZER.NAME: adamw or sgd.
  std::string name = "adamw";
  /// TRAIN.OPTIMIZER.EPS: AdamW denominator epsilon.
  double eps = 1e-8;
  /// TRAIN.OPTIMIZER.BETAS: AdamW moment decay rates.
  std::array<double, 2> betas = {0.9, 0.999};
  /// TRAIN.OPTIMIZER.MOMENTUM: SGD momentum.
  double momentum = 0.9;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(name, eps, betas, momentum); }
};

/// TRAIN.EMA (swinpp): an exponential moving average of the weights.
struct EmaConfig {
  /// TRAIN.EMA.ENABLE: keep and evaluate an EMA copy of the weights.
  bool enable = false;
  /// TRAIN.EMA.DECAY: weight of the old average at each step, in [0, 1).
  double decay = 0.9999;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(enable, decay); }
};

/// TRAIN: the optimisation loop.
struct TrainConfig {
  /// TRAIN.START_EPOCH: first epoch to run (set on resume).
  int64_t start_epoch = 0;
  /// TRAIN.EPOCHS: epochs in the schedule.
  int64_t epochs = 300;
  /// TRAIN.WARMUP_EPOCHS: epochs of linear warmup from WARMUP_LR to BASE_LR.
  int64_t warmup_epochs = 20;
  /// TRAIN.WEIGHT_DECAY: decoupled weight decay of the decayed parameters.
  double weight_decay = 0.05;
  /// TRAIN.BASE_LR: peak learning rate for a total batch of 512 (see SCALE_LR).
  double base_lr = 5e-4;
  /// TRAIN.WARMUP_LR: learning rate at the start of warmup.
  double warmup_lr = 5e-7;
  /// TRAIN.MIN_LR: floor of the cosine and linear schedules.
  double min_lr = 5e-6;
  /// TRAIN.CLIP_GRAD: max global gradient norm; 0 = no clipping.
  double clip_grad = 5.0;
  /// TRAIN.AUTO_RESUME: resume from the newest checkpoint in the output folder.
  bool auto_resume = true;
  /// TRAIN.ACCUMULATION_STEPS: micro-batches per optimizer step.
  int64_t accumulation_steps = 1;
  /// TRAIN.USE_CHECKPOINT: activation checkpointing in every stage.
  bool use_checkpoint = false;
  /// TRAIN.LAYER_DECAY: per-layer learning-rate decay of fine-tuning, in (0, 1].
  double layer_decay = 1.0;
  /// TRAIN.LR_SCHEDULER.
  LrSchedulerConfig lr_scheduler;
  /// TRAIN.OPTIMIZER.
  OptimizerConfig optimizer;
  /// TRAIN.SCALE_LR (swinpp): scale BASE_LR, WARMUP_LR and MIN_LR by
  /// total batch / 512 (times ACCUMULATION_STEPS), as the official scripts do.
  bool scale_lr = true;
  /// TRAIN.EMA (swinpp).
  EmaConfig ema;
  /// TRAIN.CHECKPOINT_STAGES (swinpp): activation checkpointing per stage; when a
  /// config does not set it, every stage takes USE_CHECKPOINT.
  std::vector<bool> checkpoint_stages = {false, false, false, false};
  /// TRAIN.SAVE_STEPS (swinpp): also save a checkpoint every N optimizer steps; 0 = off.
  int64_t save_steps = 0;
  /// TRAIN.PREVIEW_STEPS (swinpp): SimMIM reconstruction pictures every N optimizer
  /// steps as well as after each epoch; 0 = after each epoch only.
  int64_t preview_steps = 0;
  /// TRAIN.AMP_DTYPE (swinpp): autocast type when AMP_ENABLE, bfloat16 or float16.
  std::string amp_dtype = "bfloat16";
  /// TRAIN.MAX_SKIPPED_STEPS (swinpp): the run stops after this many consecutive
  /// optimizer steps skipped for a non-finite loss or gradients (>= 1).
  int64_t max_skipped_steps = 10;
  /// TRAIN.STOP_AT_NON_FINITE (swinpp): stop at the first non-finite loss or
  /// gradient instead of skipping the step, naming where it appeared.
  bool stop_at_non_finite = false;
  /// TRAIN.CUDA_GRAPH (swinpp): capture the training step once as a CUDA graph
  /// and replay it (one process on one CUDA device, DIST.ZERO_STAGE 0, AdamW,
  /// no accumulation, no activation checkpointing).
  bool cuda_graph = false;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(start_epoch, epochs, warmup_epochs, weight_decay, base_lr, warmup_lr, min_lr,
                    clip_grad, auto_resume, accumulation_steps, use_checkpoint, layer_decay,
                    lr_scheduler, optimizer, scale_lr, ema, checkpoint_stages, save_steps,
                    preview_steps, amp_dtype, max_skipped_steps, stop_at_non_finite, cuda_graph);
  }
};

/// True when every field is equal.
inline bool operator==(const LrSchedulerConfig& a, const LrSchedulerConfig& b) {
  return a.fields() == b.fields();
}
/// True when every field is equal.
inline bool operator==(const OptimizerConfig& a, const OptimizerConfig& b) {
  return a.fields() == b.fields();
}
/// True when every field is equal.
inline bool operator==(const EmaConfig& a, const EmaConfig& b) { return a.fields() == b.fields(); }
/// True when every field is equal.
inline bool operator==(const TrainConfig& a, const TrainConfig& b) {
  return a.fields() == b.fields();
}
/// True when any field differs.
inline bool operator!=(const TrainConfig& a, const TrainConfig& b) { return !(a == b); }

}  // namespace swinpp::config

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swinpp::optim {

/// TRAIN.LR_SCHEDULER.NAME.
enum class LrScheduleKind { kCosine, kLinear, kStep, kMultiStep };

/// "cosine", "linear", "step" or "multistep"; throws swinpp::Error otherwise.
LrScheduleKind parse_lr_schedule_kind(const std::string& name);

/// Inputs of a per-iteration schedule (the reference builds timm schedulers
/// with t_in_epochs=False). Epoch counts become steps as the reference does:
/// int(epochs * steps_per_epoch). A step is one optimizer update, so with
/// gradient accumulation steps_per_epoch counts updates, not batches.
struct LrScheduleOptions {
  LrScheduleKind kind = LrScheduleKind::kCosine;
  double base_lr = 5e-4;
  double warmup_lr = 5e-7;
  double min_lr = 5e-6;
  double epochs = 300;
  double warmup_epochs = 20;
  int64_t steps_per_epoch = 1;
  /// cosine: the cosine starts after the warmup (WARMUP_PREFIX).
  bool warmup_prefix = true;
  /// step: DECAY_EPOCHS and DECAY_RATE.
  double decay_epochs = 30;
  double decay_rate = 0.1;
  /// multistep: MULTISTEPS (ascending, in epochs) and GAMMA.
  std::vector<int64_t> milestones;
  double gamma = 0.1;
};

/// The learning rate at every optimizer step t. With S = steps_per_epoch,
/// T = int(epochs*S), W = int(warmup_epochs*S):
///
///   t < W (every kind):  warmup_lr + t * (base_lr - warmup_lr) / W
///   cosine, prefix:      u = t - W, P = T - W;  without prefix: u = t, P = T
///                        min_lr + 0.5 (base_lr - min_lr) (1 + cos(pi u / P))
///                        for u < P, min_lr afterwards
///   linear:              base_lr - 0.99 base_lr * min(1, (t - W) / (T - W))
///                        (ends at 0.01 base_lr; min_lr is not used)
///   step:                base_lr * decay_rate^floor(t / int(decay_epochs*S))
///   multistep:           base_lr * gamma^(number of milestones m with m*S <= t)
///
/// The schedule has no state: the trainer stores the step.
class LrSchedule {
 public:
  /// Throws swinpp::Error on a schedule that cannot be evaluated (no steps
  /// after the warmup, a zero decay period, unsorted milestones or one inside
  /// the warmup).
  explicit LrSchedule(LrScheduleOptions options);

  /// The learning rate at optimizer step `step` >= 0.
  double lr(int64_t step) const;

  int64_t total_steps() const { return total_steps_; }
  int64_t warmup_steps() const { return warmup_steps_; }
  const LrScheduleOptions& options() const { return options_; }

 private:
  double after_warmup(int64_t step) const;

  LrScheduleOptions options_;
  int64_t total_steps_ = 0;
  int64_t warmup_steps_ = 0;
  int64_t decay_steps_ = 0;
  std::vector<int64_t> milestone_steps_;
};

/// Learning rates after the reference's linear scaling rule.
struct ScaledLrs {
  double base_lr = 0.0;
  double warmup_lr = 0.0;
  double min_lr = 0.0;
};

/// Multiplies each rate by total_batch / 512, then by accumulation_steps when
/// it is above 1 (total_batch = per-process batch * world size).
ScaledLrs scale_lrs(double base_lr, double warmup_lr, double min_lr, int64_t total_batch,
                    int64_t accumulation_steps);

}  // namespace swinpp::optim

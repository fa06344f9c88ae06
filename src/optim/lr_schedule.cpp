#include "swinpp/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

constexpr double kLinearEndRate = 0.01;
constexpr double kReferenceBatch = 512.0;
constexpr double kPi = 3.14159265358979323846;

int64_t epochs_to_steps(double epochs, int64_t steps_per_epoch) {
  return static_cast<int64_t>(epochs * static_cast<double>(steps_per_epoch));
}

}  // namespace

LrScheduleKind parse_lr_schedule_kind(const std::string& name) {
  if (name == "cosine") {
    return LrScheduleKind::kCosine;
  }
  if (name == "linear") {
    return LrScheduleKind::kLinear;
  }
  if (name == "step") {
    return LrScheduleKind::kStep;
  }
  if (name == "multistep") {
    return LrScheduleKind::kMultiStep;
  }
  throw Error("TRAIN.LR_SCHEDULER.NAME: expected cosine, linear, step or multistep, found '" +
              name + "'");
}

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  const int64_t per_epoch = options_.steps_per_epoch;
  if (per_epoch < 1) {
    throw Error("lr schedule: expected steps_per_epoch >= 1, found " + std::to_string(per_epoch));
  }
  total_steps_ = epochs_to_steps(options_.epochs, per_epoch);
  warmup_steps_ = epochs_to_steps(options_.warmup_epochs, per_epoch);
  if (warmup_steps_ < 0 || total_steps_ < 0) {
    throw Error("lr schedule: expected non-negative epochs, found epochs " +
                std::to_string(options_.epochs) + ", warmup epochs " +
                std::to_string(options_.warmup_epochs));
  }
  const bool decays_from_warmup =
      options_.kind == LrScheduleKind::kLinear ||
      (options_.kind == LrScheduleKind::kCosine && options_.warmup_prefix);
  if (decays_from_warmup ? total_steps_ <= warmup_steps_ : total_steps_ <= 0) {
    throw Error("lr schedule: expected more steps than the warmup, found " +
                std::to_string(total_steps_) + " steps and " + std::to_string(warmup_steps_) +
                " warmup steps");
  }
  if (options_.kind == LrScheduleKind::kStep) {
    decay_steps_ = epochs_to_steps(options_.decay_epochs, per_epoch);
    if (decay_steps_ < 1) {
      throw Error("TRAIN.LR_SCHEDULER.DECAY_EPOCHS: expected at least one step, found " +
                  std::to_string(options_.decay_epochs) + " epochs");
    }
  }
  if (options_.kind == LrScheduleKind::kMultiStep) {
    for (int64_t epoch : options_.milestones) {
      milestone_steps_.push_back(epoch * per_epoch);
    }
    if (!std::is_sorted(milestone_steps_.begin(), milestone_steps_.end())) {
      throw Error("TRAIN.LR_SCHEDULER.MULTISTEPS: expected ascending epochs");
    }
    if (!milestone_steps_.empty() && milestone_steps_.front() < warmup_steps_) {
      throw Error("TRAIN.LR_SCHEDULER.MULTISTEPS: expected milestones after the warmup (" +
                  std::to_string(options_.warmup_epochs) + " epochs), found " +
                  std::to_string(options_.milestones.front()));
    }
  }
}

double LrSchedule::lr(int64_t step) const {
  if (step < 0) {
    throw Error("lr schedule: expected a step >= 0, found " + std::to_string(step));
  }
  if (step < warmup_steps_) {
    const double slope =
        (options_.base_lr - options_.warmup_lr) / static_cast<double>(warmup_steps_);
    return options_.warmup_lr + static_cast<double>(step) * slope;
  }
  return after_warmup(step);
}

double LrSchedule::after_warmup(int64_t step) const {
  const double base = options_.base_lr;
  switch (options_.kind) {
    case LrScheduleKind::kCosine: {
      const int64_t offset = options_.warmup_prefix ? warmup_steps_ : 0;
      const double t = static_cast<double>(step - offset);
      const double period = static_cast<double>(total_steps_ - offset);
      if (t >= period) {
        return options_.min_lr;
      }
      return options_.min_lr + 0.5 * (base - options_.min_lr) * (1.0 + std::cos(kPi * t / period));
    }
    case LrScheduleKind::kLinear: {
      const double progress = std::min(1.0, static_cast<double>(step - warmup_steps_) /
                                                static_cast<double>(total_steps_ - warmup_steps_));
      return base - (base - base * kLinearEndRate) * progress;
    }
    case LrScheduleKind::kStep:
      return base * std::pow(options_.decay_rate, static_cast<double>(step / decay_steps_));
    case LrScheduleKind::kMultiStep: {
      const auto passed = std::upper_bound(milestone_steps_.begin(), milestone_steps_.end(), step) -
                          milestone_steps_.begin();
      return base * std::pow(options_.gamma, static_cast<double>(passed));
    }
  }
  throw Error("lr schedule: unknown kind");
}

ScaledLrs scale_lrs(double base_lr, double warmup_lr, double min_lr, int64_t total_batch,
                    int64_t accumulation_steps) {
  if (total_batch < 1) {
    throw Error("lr scaling: expected a total batch >= 1, found " + std::to_string(total_batch));
  }
  double factor = static_cast<double>(total_batch) / kReferenceBatch;
  if (accumulation_steps > 1) {
    factor *= static_cast<double>(accumulation_steps);
  }
  return {base_lr * factor, warmup_lr * factor, min_lr * factor};
}

}  // namespace swinpp::optim

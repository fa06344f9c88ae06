#include "swinpp/optim/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

const double kPi = std::acos(-1.0);

void expect_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::abs(expected) + 1e-18);
}

/// base 1e-3, warmup 1e-6, min 1e-5; 10 epochs of 5 steps, 2 warmup epochs:
/// 50 steps, 10 of them warmup.
LrScheduleOptions small_run(LrScheduleKind kind) {
  LrScheduleOptions options;
  options.kind = kind;
  options.base_lr = 1e-3;
  options.warmup_lr = 1e-6;
  options.min_lr = 1e-5;
  options.epochs = 10;
  options.warmup_epochs = 2;
  options.steps_per_epoch = 5;
  return options;
}

TEST(LrSchedule, WarmupIsLinearForEveryKind) {
  for (LrScheduleKind kind : {LrScheduleKind::kCosine, LrScheduleKind::kLinear,
                              LrScheduleKind::kStep, LrScheduleKind::kMultiStep}) {
    LrScheduleOptions options = small_run(kind);
    options.milestones = {4};
    const LrSchedule schedule(options);
    EXPECT_EQ(schedule.total_steps(), 50);
    EXPECT_EQ(schedule.warmup_steps(), 10);
    expect_rel(schedule.lr(0), 1e-6);
    expect_rel(schedule.lr(5), 1e-6 + 5 * (1e-3 - 1e-6) / 10);
    expect_rel(schedule.lr(9), 1e-6 + 9 * (1e-3 - 1e-6) / 10);
  }
}

TEST(LrSchedule, CosineAfterWarmupPrefix) {
  const LrSchedule schedule(small_run(LrScheduleKind::kCosine));
  expect_rel(schedule.lr(10), 1e-3);                                         // end of warmup
  expect_rel(schedule.lr(20), 1e-5 + 0.5 * 0.99e-3 * (1 + std::sqrt(0.5)));  // a quarter
  expect_rel(schedule.lr(30), 1e-5 + 0.5 * 0.99e-3);                         // middle: cos = 0
  expect_rel(schedule.lr(49), 1e-5 + 0.5 * 0.99e-3 * (1 + std::cos(kPi * 39 / 40)));
  expect_rel(schedule.lr(50), 1e-5);  // end
  expect_rel(schedule.lr(80), 1e-5);  // past the end
}

TEST(LrSchedule, CosineWithoutWarmupPrefixSpansAllSteps) {
  LrScheduleOptions options = small_run(LrScheduleKind::kCosine);
  options.warmup_prefix = false;
  const LrSchedule schedule(options);
  expect_rel(schedule.lr(10), 1e-5 + 0.5 * 0.99e-3 * (1 + std::cos(kPi * 10 / 50)));
  expect_rel(schedule.lr(25), 1e-5 + 0.5 * 0.99e-3);
  expect_rel(schedule.lr(50), 1e-5);
}

TEST(LrSchedule, LinearEndsAtOnePercentOfBase) {
  const LrSchedule schedule(small_run(LrScheduleKind::kLinear));
  expect_rel(schedule.lr(10), 1e-3);
  expect_rel(schedule.lr(30), 1e-3 - 0.99e-3 * 0.5);
  expect_rel(schedule.lr(50), 1e-5);
  expect_rel(schedule.lr(70), 1e-5);
}

TEST(LrSchedule, StepDecaysEveryDecayPeriodFromStepZero) {
  LrScheduleOptions options = small_run(LrScheduleKind::kStep);
  options.decay_epochs = 4;  // 20 steps
  options.decay_rate = 0.5;
  const LrSchedule schedule(options);
  expect_rel(schedule.lr(10), 1e-3);
  expect_rel(schedule.lr(19), 1e-3);
  expect_rel(schedule.lr(20), 0.5e-3);
  expect_rel(schedule.lr(45), 0.25e-3);
}

TEST(LrSchedule, MultiStepMultipliesAtEachMilestone) {
  LrScheduleOptions options = small_run(LrScheduleKind::kMultiStep);
  options.milestones = {4, 8};  // steps 20 and 40
  options.gamma = 0.1;
  const LrSchedule schedule(options);
  expect_rel(schedule.lr(10), 1e-3);
  expect_rel(schedule.lr(19), 1e-3);
  expect_rel(schedule.lr(20), 1e-4);
  expect_rel(schedule.lr(39), 1e-4);
  expect_rel(schedule.lr(40), 1e-5);
}

TEST(LrSchedule, FractionalEpochsTruncateLikeTheReference) {
  LrScheduleOptions options = small_run(LrScheduleKind::kCosine);
  options.warmup_epochs = 0.5;  // int(2.5) = 2 steps
  options.epochs = 1;
  const LrSchedule schedule(options);
  EXPECT_EQ(schedule.warmup_steps(), 2);
  expect_rel(schedule.lr(1), 1e-6 + (1e-3 - 1e-6) / 2);
  expect_rel(schedule.lr(2), 1e-3);
}

TEST(LrSchedule, RejectsSchedulesThatCannotRun) {
  LrScheduleOptions no_decay = small_run(LrScheduleKind::kCosine);
  no_decay.epochs = 2;
  EXPECT_THROW(LrSchedule{no_decay}, Error);
  LrScheduleOptions early = small_run(LrScheduleKind::kMultiStep);
  early.milestones = {1};
  EXPECT_THROW(LrSchedule{early}, Error);
  LrScheduleOptions unsorted = small_run(LrScheduleKind::kMultiStep);
  unsorted.milestones = {8, 4};
  EXPECT_THROW(LrSchedule{unsorted}, Error);
  LrScheduleOptions zero_period = small_run(LrScheduleKind::kStep);
  zero_period.decay_epochs = 0;
  EXPECT_THROW(LrSchedule{zero_period}, Error);
  EXPECT_THROW(LrSchedule(small_run(LrScheduleKind::kCosine)).lr(-1), Error);
  EXPECT_THROW(parse_lr_schedule_kind("poly"), Error);
  EXPECT_EQ(parse_lr_schedule_kind("multistep"), LrScheduleKind::kMultiStep);
}

TEST(LrSchedule, ScalesByTotalBatchAndAccumulation) {
  const ScaledLrs doubled = scale_lrs(5e-4, 5e-7, 5e-6, 1024, 1);
  expect_rel(doubled.base_lr, 1e-3);
  expect_rel(doubled.warmup_lr, 1e-6);
  expect_rel(doubled.min_lr, 1e-5);
  const ScaledLrs accumulated = scale_lrs(5e-4, 5e-7, 5e-6, 128, 4);
  expect_rel(accumulated.base_lr, 5e-4);
  expect_rel(accumulated.min_lr, 5e-6);
  expect_rel(scale_lrs(5e-4, 0, 0, 256, 0).base_lr, 2.5e-4);
  EXPECT_THROW(scale_lrs(5e-4, 0, 0, 0, 1), Error);
}

}  // namespace
}  // namespace swinpp::optim

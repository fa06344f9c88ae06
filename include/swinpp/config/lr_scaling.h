#pragma once

#include <cstdint>

#include "swinpp/config/config.h"

namespace swinpp::config {

/// The learning rates a run uses after the official linear scaling.
struct ScaledLearningRates {
  /// Peak learning rate (after warmup).
  double base_lr = 0.0;
  /// Learning rate at the start of warmup.
  double warmup_lr = 0.0;
  /// Floor of the cosine and linear schedules.
  double min_lr = 0.0;
};

/// TRAIN.BASE_LR, WARMUP_LR and MIN_LR, each multiplied by
/// DATA.BATCH_SIZE * world_size / 512 and by TRAIN.ACCUMULATION_STEPS, as the
/// official training scripts do; unchanged when TRAIN.SCALE_LR is false.
/// Throws swinpp::Error when world_size < 1.
ScaledLearningRates scaled_learning_rates(const Config& config, int64_t world_size);

}  // namespace swinpp::config

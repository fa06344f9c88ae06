#include "swinpp/config/lr_scaling.h"

#include <string>

#include "swinpp/util/error.h"

namespace swinpp::config {

namespace {

// The reference total batch size that BASE_LR, WARMUP_LR and MIN_LR are given for.
constexpr double kReferenceBatch = 512.0;

}  // namespace

ScaledLearningRates scaled_learning_rates(const Config& config, int64_t world_size) {
  if (world_size < 1) {
    throw Error("scaled_learning_rates: expected a world size >= 1, found " +
                std::to_string(world_size));
  }
  const TrainConfig& train = config.train;
  double scale = 1.0;
  if (train.scale_lr) {
    scale = static_cast<double>(config.data.batch_size * world_size) / kReferenceBatch;
    scale *= static_cast<double>(train.accumulation_steps);
  }
  return {train.base_lr * scale, train.warmup_lr * scale, train.min_lr * scale};
}

}  // namespace swinpp::config

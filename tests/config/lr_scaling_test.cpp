// scaled_learning_rates: the official linear scaling by total batch / 512.
#include <gtest/gtest.h>

#include "error_matchers.h"
#include "swinpp/config/lr_scaling.h"

namespace swinpp::config {
namespace {

TEST(ScaledLearningRates, ScaleByTotalBatchAndAccumulation) {
  Config config;
  config.data.batch_size = 128;
  config.train.accumulation_steps = 2;
  config.train.base_lr = 1e-4;
  config.train.warmup_lr = 5e-7;
  config.train.min_lr = 5e-6;
  const int64_t world_size = 16;
  const double scale = 128.0 * 16.0 * 2.0 / 512.0;
  const ScaledLearningRates rates = scaled_learning_rates(config, world_size);
  EXPECT_NEAR(rates.base_lr, 1e-4 * scale, 1e-4 * 1e-4 * scale);
  EXPECT_NEAR(rates.warmup_lr, 5e-7 * scale, 1e-4 * 5e-7 * scale);
  EXPECT_NEAR(rates.min_lr, 5e-6 * scale, 1e-4 * 5e-6 * scale);
}

TEST(ScaledLearningRates, UnchangedWithoutScaleLr) {
  Config config;
  config.train.scale_lr = false;
  config.train.accumulation_steps = 4;
  const ScaledLearningRates rates = scaled_learning_rates(config, 8);
  EXPECT_EQ(rates.base_lr, config.train.base_lr);
  EXPECT_EQ(rates.warmup_lr, config.train.warmup_lr);
  EXPECT_EQ(rates.min_lr, config.train.min_lr);
}

TEST(ScaledLearningRates, RejectsAnEmptyWorld) {
  testing::expect_contains_all(testing::error_message([] { scaled_learning_rates(Config{}, 0); }),
                               {"world size", "0"});
}

}  // namespace
}  // namespace swinpp::config

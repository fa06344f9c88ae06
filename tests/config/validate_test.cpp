// validate / validate_for_simmim: each rule rejects a bad value and names its key.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "error_matchers.h"
#include "swinpp/config/validate.h"

namespace swinpp::config {
namespace {

using testing::error_message;
using testing::expect_contains_all;

struct Rule {
  std::string key;
  std::function<void(Config&)> break_it;
};

TEST(Validate, DefaultsAreValid) {
  EXPECT_NO_THROW(validate(Config{}));
  EXPECT_NO_THROW(validate_for_simmim(Config{}));
}

TEST(Validate, EveryRuleNamesItsKey) {
  const std::vector<Rule> rules = {
      {"DATA.BATCH_SIZE", [](Config& c) { c.data.batch_size = 0; }},
      {"DATA.IMG_SIZE", [](Config& c) { c.data.img_size = 225; }},  // not a multiple of 4
      {"DATA.IMG_SIZE", [](Config& c) { c.data.img_size = 228; }},  // 57 tokens: odd merges
      {"DATA.INTERPOLATION", [](Config& c) { c.data.interpolation = "lanczos"; }},
      {"DATA.MASK_RATIO", [](Config& c) { c.data.mask_ratio = 1.0; }},
      {"DATA.MASK_RATIO", [](Config& c) { c.data.mask_ratio = -0.1; }},
      {"DATA.NUM_WORKERS", [](Config& c) { c.data.num_workers = -1; }},
      {"DATA.SHUFFLE_BUFFER", [](Config& c) { c.data.shuffle_buffer = -1; }},
      {"MODEL.TYPE", [](Config& c) { c.model.type = "swin"; }},
      {"MODEL.NUM_CLASSES", [](Config& c) { c.model.num_classes = 0; }},
      {"MODEL.DROP_PATH_RATE", [](Config& c) { c.model.drop_path_rate = 1.0; }},
      {"MODEL.DROP_RATE", [](Config& c) { c.model.drop_rate = -0.5; }},
      {"MODEL.LABEL_SMOOTHING", [](Config& c) { c.model.label_smoothing = 1.5; }},
      {"MODEL.SWINV2.DEPTHS",
       [](Config& c) {
         c.model.swinv2.depths = {2, 2, 6};
         c.model.swinv2.num_heads = {3, 6, 12};
       }},
      {"MODEL.SWINV2.DEPTHS",
       [](Config& c) {
         c.model.swinv2.depths = {2, 0, 6, 2};
       }},
      {"MODEL.SWINV2.NUM_HEADS",
       [](Config& c) {
         c.model.swinv2.num_heads = {3, 6, 12};
       }},
      {"MODEL.SWINV2.NUM_HEADS",
       [](Config& c) {
         c.model.swinv2.num_heads = {3, 5, 12, 24};
       }},
      {"MODEL.SWINV2.NUM_HEADS",
       [](Config& c) {
         c.model.swinv2.num_heads = {3, 6, 0, 24};
       }},
      {"MODEL.SWINV2.WINDOW_SIZE", [](Config& c) { c.model.swinv2.window_size = 0; }},
      {"MODEL.SWINV2.PATCH_SIZE", [](Config& c) { c.model.swinv2.patch_size = 0; }},
      {"MODEL.SWINV2.EMBED_DIM", [](Config& c) { c.model.swinv2.embed_dim = -96; }},
      {"MODEL.SWINV2.MLP_RATIO", [](Config& c) { c.model.swinv2.mlp_ratio = 0; }},
      {"MODEL.SWINV2.PRETRAINED_WINDOW_SIZES",
       [](Config& c) {
         c.model.swinv2.pretrained_window_sizes = {12, 12, 12};
       }},
      {"MODEL.SWINV2.PRETRAINED_WINDOW_SIZES",
       [](Config& c) {
         c.model.swinv2.pretrained_window_sizes = {12, -1, 12, 6};
       }},
      {"MODEL.SWINV2.EXTRA_NORM_PERIOD", [](Config& c) { c.model.swinv2.extra_norm_period = -6; }},
      {"MODEL.SIMMIM.NORM_TARGET.PATCH_SIZE",
       [](Config& c) { c.model.simmim.norm_target.patch_size = 46; }},
      {"TRAIN.EPOCHS", [](Config& c) { c.train.epochs = 0; }},
      {"TRAIN.WARMUP_EPOCHS", [](Config& c) { c.train.warmup_epochs = -1; }},
      {"TRAIN.BASE_LR", [](Config& c) { c.train.base_lr = 0; }},
      {"TRAIN.MIN_LR", [](Config& c) { c.train.min_lr = -1e-6; }},
      {"TRAIN.WEIGHT_DECAY", [](Config& c) { c.train.weight_decay = -0.05; }},
      {"TRAIN.ACCUMULATION_STEPS", [](Config& c) { c.train.accumulation_steps = 0; }},
      {"TRAIN.LAYER_DECAY", [](Config& c) { c.train.layer_decay = 0; }},
      {"TRAIN.LAYER_DECAY", [](Config& c) { c.train.layer_decay = 1.25; }},
      {"TRAIN.LR_SCHEDULER.NAME", [](Config& c) { c.train.lr_scheduler.name = "poly"; }},
      {"TRAIN.LR_SCHEDULER.MULTISTEPS",
       [](Config& c) {
         c.train.lr_scheduler.multisteps = {700, 600};
       }},
      {"TRAIN.LR_SCHEDULER.GAMMA", [](Config& c) { c.train.lr_scheduler.gamma = 0; }},
      {"TRAIN.OPTIMIZER.NAME", [](Config& c) { c.train.optimizer.name = "lamb"; }},
      {"TRAIN.OPTIMIZER.BETAS",
       [](Config& c) {
         c.train.optimizer.betas = {0.9, 1.0};
       }},
      {"TRAIN.OPTIMIZER.EPS", [](Config& c) { c.train.optimizer.eps = 0; }},
      {"TRAIN.EMA.DECAY", [](Config& c) { c.train.ema.decay = 1.0; }},
      {"TRAIN.CHECKPOINT_STAGES", [](Config& c) { c.train.checkpoint_stages = {true}; }},
      {"TRAIN.SAVE_STEPS", [](Config& c) { c.train.save_steps = -1; }},
      {"TRAIN.PREVIEW_STEPS", [](Config& c) { c.train.preview_steps = -1; }},
      {"TRAIN.AMP_DTYPE", [](Config& c) { c.train.amp_dtype = "float32"; }},
      {"TRAIN.MAX_SKIPPED_STEPS", [](Config& c) { c.train.max_skipped_steps = 0; }},
      {"AUG.REPROB", [](Config& c) { c.aug.reprob = 1.5; }},
      {"AUG.REMODE", [](Config& c) { c.aug.remode = "zero"; }},
      {"AUG.CUTMIX_MINMAX",
       [](Config& c) {
         c.aug.cutmix_minmax = {{0.8, 0.2}};
       }},
      {"AUG.MIXUP_PROB", [](Config& c) { c.aug.mixup_prob = 2.0; }},
      {"AUG.MIXUP_MODE", [](Config& c) { c.aug.mixup_mode = "sample"; }},
      {"DIST.BACKEND", [](Config& c) { c.dist.backend = "mpi"; }},
      {"DIST.ZERO_STAGE", [](Config& c) { c.dist.zero_stage = 3; }},
      {"DIST.TIMEOUT_S", [](Config& c) { c.dist.timeout_s = 0; }},
      {"SAVE_FREQ", [](Config& c) { c.save_freq = 0; }},
      {"PRINT_FREQ", [](Config& c) { c.print_freq = 0; }},
  };
  for (const Rule& rule : rules) {
    Config config;
    rule.break_it(config);
    const std::string message = error_message([&] { validate(config); });
    expect_contains_all(message, {"config key " + rule.key + ":", "expected"});
  }
}

TEST(Validate, MessagesSayWhatWasFound) {
  Config config;
  config.train.lr_scheduler.name = "poly";
  expect_contains_all(error_message([&] { validate(config); }),
                      {"'poly'", "cosine", "linear", "step", "multistep"});
  config = Config{};
  config.model.swinv2.num_heads = {3, 5, 12, 24};
  expect_contains_all(error_message([&] { validate(config); }), {"stage 1", "192", "5"});
}

TEST(Validate, BoundariesThatAreAllowed) {
  Config config;
  config.data.mask_ratio = 0.0;
  config.model.drop_path_rate = 0.0;
  config.train.warmup_epochs = config.train.epochs + 10;  // warmup never ends: allowed
  config.train.clip_grad = 0.0;
  config.train.layer_decay = 1.0;
  config.aug.reprob = 1.0;
  config.aug.cutmix_minmax = {{0.2, 0.2}};
  config.train.optimizer.name = "sgd";
  config.data.img_size = 32;             // 8 tokens: the last stage is 1 x 1
  config.model.swinv2.window_size = 48;  // larger than every stage: clipped by the model
  EXPECT_NO_THROW(validate(config));
}

TEST(ValidateForSimMIM, MaskCellsMustTileTheImageAndThePatches) {
  Config config;
  config.data.img_size = 192;
  config.data.mask_patch_size = 32;
  EXPECT_NO_THROW(validate_for_simmim(config));

  config.data.mask_patch_size = 30;  // not a multiple of PATCH_SIZE 4
  expect_contains_all(error_message([&] { validate_for_simmim(config); }),
                      {"DATA.MASK_PATCH_SIZE", "30", "PATCH_SIZE"});

  config.data.mask_patch_size = 40;  // 192 is no multiple of 40
  expect_contains_all(error_message([&] { validate_for_simmim(config); }),
                      {"DATA.IMG_SIZE", "192", "MASK_PATCH_SIZE"});
}

}  // namespace
}  // namespace swinpp::config

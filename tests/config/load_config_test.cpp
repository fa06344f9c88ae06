// load_config: defaults, BASE inheritance, and the errors of files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "error_matchers.h"
#include "swinpp/config/config_io.h"
#include "temp_dir.h"

namespace swinpp::config {
namespace {

using testing::error_message;
using testing::expect_contains_all;
using testing::TempDir;

TEST(LoadConfig, EmptyFileGivesTheOfficialDefaults) {
  TempDir dir;
  const Config config = load_config(dir.write("empty.yaml", ""));
  EXPECT_EQ(config, Config{});

  EXPECT_EQ(config.data.batch_size, 128);
  EXPECT_EQ(config.data.img_size, 224);
  EXPECT_EQ(config.data.interpolation, "bicubic");
  EXPECT_TRUE(config.data.pin_memory);
  EXPECT_EQ(config.data.num_workers, 8);
  EXPECT_EQ(config.data.mask_patch_size, 32);
  EXPECT_DOUBLE_EQ(config.data.mask_ratio, 0.6);
  EXPECT_EQ(config.data.dataset, "imagenet");
  EXPECT_EQ(config.data.data_path, "");
  EXPECT_EQ(config.model.type, "swinv2");
  EXPECT_EQ(config.model.num_classes, 1000);
  EXPECT_DOUBLE_EQ(config.model.drop_path_rate, 0.1);
  EXPECT_DOUBLE_EQ(config.model.label_smoothing, 0.1);
  EXPECT_EQ(config.model.swinv2.embed_dim, 96);
  EXPECT_EQ(config.model.swinv2.depths, (std::vector<int64_t>{2, 2, 6, 2}));
  EXPECT_EQ(config.model.swinv2.num_heads, (std::vector<int64_t>{3, 6, 12, 24}));
  EXPECT_EQ(config.model.swinv2.window_size, 7);
  EXPECT_EQ(config.model.swinv2.pretrained_window_sizes, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_FALSE(config.model.simmim.norm_target.enable);
  EXPECT_EQ(config.model.simmim.norm_target.patch_size, 47);
  EXPECT_EQ(config.train.epochs, 300);
  EXPECT_EQ(config.train.warmup_epochs, 20);
  EXPECT_DOUBLE_EQ(config.train.base_lr, 5e-4);
  EXPECT_DOUBLE_EQ(config.train.warmup_lr, 5e-7);
  EXPECT_DOUBLE_EQ(config.train.min_lr, 5e-6);
  EXPECT_DOUBLE_EQ(config.train.clip_grad, 5.0);
  EXPECT_DOUBLE_EQ(config.train.layer_decay, 1.0);
  EXPECT_EQ(config.train.lr_scheduler.name, "cosine");
  EXPECT_TRUE(config.train.lr_scheduler.warmup_prefix);
  EXPECT_TRUE(config.train.lr_scheduler.multisteps.empty());
  EXPECT_EQ(config.train.optimizer.name, "adamw");
  EXPECT_DOUBLE_EQ(config.train.optimizer.eps, 1e-8);
  EXPECT_DOUBLE_EQ(config.train.optimizer.betas[1], 0.999);
  EXPECT_EQ(config.train.checkpoint_stages, (std::vector<bool>{false, false, false, false}));
  EXPECT_TRUE(config.train.scale_lr);
  EXPECT_EQ(config.train.amp_dtype, "bfloat16");
  EXPECT_EQ(config.aug.auto_augment, "rand-m9-mstd0.5-inc1");
  EXPECT_FALSE(config.aug.cutmix_minmax.has_value());
  EXPECT_EQ(config.aug.mixup_mode, "batch");
  EXPECT_TRUE(config.test.crop);
  EXPECT_EQ(config.dist.backend, "auto");
  EXPECT_EQ(config.dist.timeout_s, 1800);
  EXPECT_TRUE(config.amp_enable);
  EXPECT_EQ(config.output, "output");
  EXPECT_EQ(config.tag, "default");
  EXPECT_EQ(config.print_freq, 10);
}

TEST(LoadConfig, BaseFilesApplyInOrderThenTheFileItself) {
  TempDir dir;
  dir.write("arch.yaml",
            "MODEL:\n  NAME: from_arch\n  SWINV2:\n    EMBED_DIM: 128\n"
            "    NUM_HEADS: [4, 8, 16, 32]\n    WINDOW_SIZE: 12\n");
  // A base in a sub-folder whose own BASE is relative to the sub-folder.
  dir.write("recipes/common.yaml", "TRAIN:\n  EPOCHS: 90\n  WARMUP_EPOCHS: 5\n");
  dir.write("recipes/finetune.yaml",
            "BASE: ['common.yaml']\nMODEL:\n  NAME: from_finetune\n"
            "TRAIN:\n  EPOCHS: 30\n  BASE_LR: 2.0e-5\n");
  const std::string main = dir.write(
      "main.yaml",
      "BASE: [arch.yaml, recipes/finetune.yaml]\nMODEL:\n  SWINV2:\n    WINDOW_SIZE: 16\n");

  const Config config = load_config(main);
  EXPECT_EQ(config.model.name, "from_finetune");   // the later base wins
  EXPECT_EQ(config.model.swinv2.embed_dim, 128);   // a sibling key of the map survives
  EXPECT_EQ(config.model.swinv2.window_size, 16);  // the file itself is applied last
  EXPECT_EQ(config.train.epochs, 30);              // a file overrides its own base
  EXPECT_EQ(config.train.warmup_epochs, 5);        // the nested base is applied
  EXPECT_DOUBLE_EQ(config.train.base_lr, 2.0e-5);
  EXPECT_EQ(config.model.swinv2.depths, Config{}.model.swinv2.depths);  // untouched default
}

TEST(LoadConfig, TheSameBaseTwiceIsNotACycle) {
  TempDir dir;
  dir.write("shared.yaml", "TRAIN:\n  EPOCHS: 7\n");
  dir.write("a.yaml", "BASE: [shared.yaml]\nTAG: a\n");
  const std::string main = dir.write("main.yaml", "BASE: [a.yaml, shared.yaml, '']\n");
  const Config config = load_config(main);
  EXPECT_EQ(config.train.epochs, 7);
  EXPECT_EQ(config.tag, "a");
}

TEST(LoadConfig, BaseCycleIsAnError) {
  TempDir dir;
  dir.write("a.yaml", "BASE: [b.yaml]\n");
  dir.write("b.yaml", "BASE: [sub/../a.yaml]\n");
  const std::string message = error_message([&] { load_config((dir.path() / "a.yaml").string()); });
  expect_contains_all(message, {"cycle", "a.yaml", "b.yaml"});

  const std::string self = dir.write("self.yaml", "BASE: [self.yaml]\n");
  expect_contains_all(error_message([&] { load_config(self); }), {"cycle", "self.yaml"});
}

TEST(LoadConfig, MissingFilesAreNamed) {
  TempDir dir;
  expect_contains_all(error_message([&] { load_config((dir.path() / "none.yaml").string()); }),
                      {"none.yaml", "not found"});
  const std::string main = dir.write("main.yaml", "BASE: [gone.yaml]\n");
  expect_contains_all(error_message([&] { load_config(main); }),
                      {"gone.yaml", "not found", "main.yaml"});
}

TEST(LoadConfig, ABasePathTheSystemCannotLookUpIsAnError) {
  TempDir dir;
  const std::string main = dir.write("main.yaml", "BASE: [" + std::string(300, 'a') + ".yaml]\n");
  expect_contains_all(error_message([&] { load_config(main); }),
                      {"cannot be read", "File name too long", "main.yaml"});
}

TEST(LoadConfig, BaseMustBeAListOfFiles) {
  TempDir dir;
  const std::string main = dir.write("main.yaml", "BASE: other.yaml\n");
  expect_contains_all(error_message([&] { load_config(main); }),
                      {"BASE", "main.yaml", "a list of files"});
}

TEST(LoadConfig, UnknownKeyNamesTheDottedKeyAndTheFile) {
  TempDir dir;
  dir.write("base.yaml", "MODEL:\n  SWINV2:\n    EMBED: 96\n");
  const std::string main = dir.write("main.yaml", "BASE: [base.yaml]\n");
  const std::string message = error_message([&] { load_config(main); });
  expect_contains_all(message, {"MODEL.SWINV2.EMBED", "base.yaml", "unknown", "EMBED_DIM"});

  const std::string top = dir.write("top.yaml", "TRAINING:\n  EPOCHS: 3\n");
  expect_contains_all(error_message([&] { load_config(top); }),
                      {"TRAINING", "top.yaml", "DATA", "MODEL", "TRAIN"});
}

TEST(LoadConfig, WrongTypesNameTheKeyTheFileAndTheExpectedType) {
  TempDir dir;
  struct Case {
    std::string yaml;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"MODEL:\n  SWINV2:\n    EMBED_DIM: abc\n", {"MODEL.SWINV2.EMBED_DIM", "an integer", "abc"}},
      {"MODEL:\n  SWINV2:\n    EMBED_DIM: '96'\n", {"MODEL.SWINV2.EMBED_DIM", "quoted"}},
      {"MODEL:\n  SWINV2:\n    EMBED_DIM: 96.5\n", {"MODEL.SWINV2.EMBED_DIM", "an integer"}},
      {"MODEL:\n  SWINV2:\n    DEPTHS: 2\n", {"MODEL.SWINV2.DEPTHS", "a list of integers"}},
      {"MODEL:\n  SWINV2:\n    DEPTHS: [2, x, 6, 2]\n", {"MODEL.SWINV2.DEPTHS", "element 1"}},
      {"TRAIN:\n  BASE_LR: [1]\n", {"TRAIN.BASE_LR", "a finite number"}},
      {"TRAIN:\n  BASE_LR: .nan\n", {"TRAIN.BASE_LR", "a finite number"}},
      {"TRAIN:\n  AUTO_RESUME: 1\n", {"TRAIN.AUTO_RESUME", "true or false"}},
      {"TRAIN:\n  OPTIMIZER:\n    BETAS: [0.9]\n", {"TRAIN.OPTIMIZER.BETAS", "2 numbers"}},
      {"AUG:\n  CUTMIX_MINMAX: 0.5\n", {"AUG.CUTMIX_MINMAX", "null or a list of 2 numbers"}},
      {"MODEL:\n  NAME: [a, b]\n", {"MODEL.NAME", "a string"}},
      {"MODEL: 3\n", {"MODEL", "a map", "SWINV2"}},
  };
  for (const Case& c : cases) {
    const std::string file = dir.write("wrong.yaml", c.yaml);
    std::vector<std::string> parts = c.parts;
    parts.push_back("wrong.yaml");
    expect_contains_all(error_message([&] { load_config(file); }), parts);
  }
}

TEST(LoadConfig, InvalidYamlAndDuplicateKeysAreErrors) {
  TempDir dir;
  const std::string broken = dir.write("broken.yaml", "DATA:\n  IMG_SIZE: [1, 2\n");
  expect_contains_all(error_message([&] { load_config(broken); }), {"broken.yaml", "line"});
  const std::string twice = dir.write("twice.yaml", "TRAIN:\n  EPOCHS: 3\n  EPOCHS: 4\n");
  expect_contains_all(error_message([&] { load_config(twice); }),
                      {"TRAIN.EPOCHS", "twice.yaml", "twice"});
  const std::string list = dir.write("list.yaml", "- 1\n- 2\n");
  expect_contains_all(error_message([&] { load_config(list); }), {"list.yaml", "a map"});
}

TEST(LoadConfig, CheckpointStagesFollowUseCheckpointUnlessSet) {
  TempDir dir;
  const std::string all = dir.write("all.yaml", "TRAIN:\n  USE_CHECKPOINT: true\n");
  EXPECT_EQ(load_config(all).train.checkpoint_stages, (std::vector<bool>{true, true, true, true}));
  const std::string some =
      dir.write("some.yaml",
                "TRAIN:\n  USE_CHECKPOINT: true\n  CHECKPOINT_STAGES: [true, false, false, "
                "false]\n");
  EXPECT_EQ(load_config(some).train.checkpoint_stages,
            (std::vector<bool>{true, false, false, false}));
}

TEST(LoadConfig, ValidationRunsOnTheResolvedConfig) {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", "MODEL:\n  SWINV2:\n    NUM_HEADS: [3, 6, 12]\n");
  expect_contains_all(error_message([&] { load_config(file); }), {"MODEL.SWINV2.NUM_HEADS"});
  // The same file is fine once --opts completes the list.
  const Config fixed = load_config(file, {"MODEL.SWINV2.NUM_HEADS", "[3, 6, 12, 24]"});
  EXPECT_EQ(fixed.model.swinv2.num_heads, (std::vector<int64_t>{3, 6, 12, 24}));
}

}  // namespace
}  // namespace swinpp::config

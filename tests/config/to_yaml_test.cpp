// to_yaml / from_yaml_string: the resolved config written in the official schema.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "error_matchers.h"
#include "swinpp/config/config_io.h"
#include "temp_dir.h"

namespace swinpp::config {
namespace {

using testing::error_message;
using testing::expect_contains_all;
using testing::TempDir;

// Every key of the schema with a valid value other than its default.
const std::vector<std::pair<std::string, std::string>> kEveryKeyChanged = {
    {"DATA.BATCH_SIZE", "64"},
    {"DATA.DATA_PATH", "/data/imagenet"},
    {"DATA.DATASET", "imagenet22K"},
    {"DATA.IMG_SIZE", "192"},
    {"DATA.INTERPOLATION", "bilinear"},
    {"DATA.PIN_MEMORY", "false"},
    {"DATA.NUM_WORKERS", "3"},
    {"DATA.MASK_PATCH_SIZE", "16"},
    {"DATA.MASK_RATIO", "0.75"},
    {"DATA.NUM_THREADS", "5"},
    {"DATA.SHUFFLE_BUFFER", "1000"},
    {"MODEL.TYPE", "swinv2"},
    {"MODEL.NAME", "'null'"},
    {"MODEL.PRETRAINED", "w.pth"},
    {"MODEL.RESUME", "r.pth"},
    {"MODEL.NUM_CLASSES", "21841"},
    {"MODEL.DROP_RATE", "0.05"},
    {"MODEL.DROP_PATH_RATE", "0.3"},
    {"MODEL.LABEL_SMOOTHING", "0.2"},
    {"MODEL.SWINV2.PATCH_SIZE", "2"},
    {"MODEL.SWINV2.IN_CHANS", "1"},
    {"MODEL.SWINV2.EMBED_DIM", "128"},
    {"MODEL.SWINV2.DEPTHS", "[2, 2, 18, 2]"},
    {"MODEL.SWINV2.NUM_HEADS", "[4, 8, 16, 32]"},
    {"MODEL.SWINV2.WINDOW_SIZE", "12"},
    {"MODEL.SWINV2.MLP_RATIO", "3.5"},
    {"MODEL.SWINV2.QKV_BIAS", "false"},
    {"MODEL.SWINV2.APE", "true"},
    {"MODEL.SWINV2.PATCH_NORM", "false"},
    {"MODEL.SWINV2.PRETRAINED_WINDOW_SIZES", "[12, 12, 12, 6]"},
    {"MODEL.SWINV2.EXTRA_NORM_PERIOD", "6"},
    {"MODEL.SWINV2.SEQUENTIAL_ATTENTION_WINDOWS", "16"},
    {"MODEL.SIMMIM.NORM_TARGET.ENABLE", "true"},
    {"MODEL.SIMMIM.NORM_TARGET.PATCH_SIZE", "31"},
    {"TRAIN.START_EPOCH", "4"},
    {"TRAIN.EPOCHS", "800"},
    {"TRAIN.WARMUP_EPOCHS", "10"},
    {"TRAIN.WEIGHT_DECAY", "1e-8"},
    {"TRAIN.BASE_LR", "1.25e-4"},
    {"TRAIN.WARMUP_LR", "0.1"},
    {"TRAIN.MIN_LR", "3.3e-7"},
    {"TRAIN.CLIP_GRAD", "0"},
    {"TRAIN.AUTO_RESUME", "false"},
    {"TRAIN.ACCUMULATION_STEPS", "2"},
    {"TRAIN.USE_CHECKPOINT", "true"},
    {"TRAIN.LAYER_DECAY", "0.75"},
    {"TRAIN.LR_SCHEDULER.NAME", "multistep"},
    {"TRAIN.LR_SCHEDULER.DECAY_EPOCHS", "7"},
    {"TRAIN.LR_SCHEDULER.DECAY_RATE", "0.5"},
    {"TRAIN.LR_SCHEDULER.WARMUP_PREFIX", "false"},
    {"TRAIN.LR_SCHEDULER.GAMMA", "0.25"},
    {"TRAIN.LR_SCHEDULER.MULTISTEPS", "[300, 700]"},
    {"TRAIN.OPTIMIZER.NAME", "sgd"},
    {"TRAIN.OPTIMIZER.EPS", "1e-6"},
    {"TRAIN.OPTIMIZER.BETAS", "[0.8, 0.95]"},
    {"TRAIN.OPTIMIZER.MOMENTUM", "0.8"},
    {"TRAIN.SCALE_LR", "false"},
    {"TRAIN.EMA.ENABLE", "true"},
    {"TRAIN.EMA.DECAY", "0.999"},
    {"TRAIN.CHECKPOINT_STAGES", "[true, true, false, false]"},
    {"TRAIN.SAVE_STEPS", "500"},
    {"TRAIN.PREVIEW_STEPS", "100"},
    {"TRAIN.AMP_DTYPE", "float16"},
    {"TRAIN.MAX_SKIPPED_STEPS", "4"},
    {"TRAIN.STOP_AT_NON_FINITE", "true"},
    {"TRAIN.CUDA_GRAPH", "true"},
    {"AUG.COLOR_JITTER", "0.0"},
    {"AUG.AUTO_AUGMENT", "''"},
    {"AUG.REPROB", "0.0"},
    {"AUG.REMODE", "const"},
    {"AUG.RECOUNT", "2"},
    {"AUG.MIXUP", "0.0"},
    {"AUG.CUTMIX", "0.0"},
    {"AUG.CUTMIX_MINMAX", "[0.2, 0.8]"},
    {"AUG.MIXUP_PROB", "0.5"},
    {"AUG.MIXUP_SWITCH_PROB", "0.25"},
    {"AUG.MIXUP_MODE", "elem"},
    {"TEST.CROP", "false"},
    {"TEST.SEQUENTIAL", "true"},
    {"TEST.SHUFFLE", "true"},
    {"DIST.BACKEND", "gloo"},
    {"DIST.TIMEOUT_S", "60"},
    {"DIST.ZERO_STAGE", "1"},
    {"AMP_ENABLE", "false"},
    {"OUTPUT", "'a: b'"},
    {"TAG", "'1e-3'"},
    {"SAVE_FREQ", "5"},
    {"PRINT_FREQ", "100"},
    {"SEED", "42"},
    {"EVAL_MODE", "true"},
    {"THROUGHPUT_MODE", "true"},
};

Config every_key_changed() {
  std::vector<std::string> opts;
  for (const auto& [key, value] : kEveryKeyChanged) {
    opts.push_back(key);
    opts.push_back(value);
  }
  TempDir dir;
  return load_config(dir.write("empty.yaml", ""), opts);
}

TEST(ToYaml, EveryKeyChangedDiffersFromTheDefaultsSectionBySection) {
  const Config changed = every_key_changed();
  const Config defaults;
  EXPECT_NE(changed.data, defaults.data);
  EXPECT_NE(changed.model, defaults.model);
  EXPECT_NE(changed.train, defaults.train);
  EXPECT_NE(changed.aug, defaults.aug);
  EXPECT_NE(changed.test, defaults.test);
  EXPECT_NE(changed.dist, defaults.dist);
  EXPECT_EQ(changed.model.name, "null");
  EXPECT_EQ(changed.output, "a: b");
  EXPECT_EQ(changed.tag, "1e-3");
  EXPECT_EQ(changed.aug.auto_augment, "");
}

TEST(ToYaml, RoundTripIsExact) {
  const Config changed = every_key_changed();
  EXPECT_EQ(from_yaml_string(to_yaml(changed)), changed);
  EXPECT_EQ(from_yaml_string(to_yaml(Config{})), Config{});

  Config awkward;
  awkward.train.base_lr = 0.1 + 0.2;  // needs 17 significant digits
  awkward.train.min_lr = 1.0 / 3.0;
  awkward.train.warmup_lr = 5e-300;
  EXPECT_EQ(from_yaml_string(to_yaml(awkward)), awkward);
}

// The number of values (non-map nodes) in a YAML tree.
std::size_t count_leaves(const YAML::Node& node) {
  if (!node.IsMap()) return 1;
  std::size_t count = 0;
  for (const auto& entry : node) count += count_leaves(entry.second);
  return count;
}

TEST(ToYaml, WritesEveryKeyOfTheSchemaNested) {
  const YAML::Node yaml = YAML::Load(to_yaml(Config{}));
  for (const auto& [key, value] : kEveryKeyChanged) {
    YAML::Node node = YAML::Clone(yaml);
    std::size_t begin = 0;
    for (auto dot = key.find('.');; dot = key.find('.', begin)) {
      const std::string part = key.substr(begin, dot - begin);
      ASSERT_TRUE(node.IsMap()) << key;
      node.reset(node[part]);
      if (dot == std::string::npos) break;
      begin = dot + 1;
    }
    EXPECT_TRUE(node.IsDefined()) << key;
  }
  // No key beyond the list above: the list covers the whole schema.
  EXPECT_EQ(count_leaves(yaml), kEveryKeyChanged.size());
  EXPECT_TRUE(yaml["MODEL"]["SWINV2"]["DEPTHS"].IsSequence());
  EXPECT_TRUE(yaml["AUG"]["CUTMIX_MINMAX"].IsNull());
  EXPECT_EQ(yaml["TRAIN"]["OPTIMIZER"]["BETAS"].size(), 2u);
}

TEST(ToYaml, FloatsCarryADecimalPointForYaml11Readers) {
  const YAML::Node yaml = YAML::Load(to_yaml(Config{}));
  for (const YAML::Node& node :
       {yaml["TRAIN"]["CLIP_GRAD"], yaml["TRAIN"]["OPTIMIZER"]["EPS"], yaml["TRAIN"]["BASE_LR"],
        yaml["MODEL"]["DROP_RATE"], yaml["MODEL"]["SWINV2"]["MLP_RATIO"]}) {
    EXPECT_NE(node.Scalar().find('.'), std::string::npos) << node.Scalar();
  }
  EXPECT_DOUBLE_EQ(yaml["TRAIN"]["OPTIMIZER"]["EPS"].as<double>(), 1e-8);
}

TEST(FromYamlString, RejectsBaseAndNamesTheSource) {
  expect_contains_all(error_message([] { from_yaml_string("BASE: [a.yaml]\n", "ckpt"); }),
                      {"BASE", "ckpt"});
  expect_contains_all(error_message([] { from_yaml_string("DATA:\n  SIZE: 3\n", "ckpt"); }),
                      {"DATA.SIZE", "ckpt"});
}

TEST(FromYamlString, AppliesOnTopOfTheDefaultsAndValidates) {
  const Config config = from_yaml_string("TRAIN:\n  EPOCHS: 120\n");
  Config expected;
  expected.train.epochs = 120;
  EXPECT_EQ(config, expected);
  expect_contains_all(error_message([] { from_yaml_string("TRAIN:\n  EPOCHS: 0\n"); }),
                      {"TRAIN.EPOCHS"});
}

}  // namespace
}  // namespace swinpp::config

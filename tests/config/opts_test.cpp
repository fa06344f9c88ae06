// --opts overrides: KEY VALUE pairs applied after the files.
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

class Opts : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.write("run.yaml",
                       "TRAIN:\n  BASE_LR: 5.0e-4\n  AUTO_RESUME: true\n"
                       "MODEL:\n  NAME: from_file\n  SWINV2:\n    DEPTHS: [2, 2, 6, 2]\n");
  }
  TempDir dir_;
  std::string file_;
};

TEST_F(Opts, OverrideScalarsListsAndBooleansFromTheFile) {
  const Config config =
      load_config(file_, {"TRAIN.BASE_LR", "1e-3", "MODEL.SWINV2.DEPTHS", "[2, 2, 18, 2]",
                          "TRAIN.AUTO_RESUME", "False", "MODEL.NAME", "from_opts", "DATA.IMG_SIZE",
                          "256", "AUG.CUTMIX_MINMAX", "[0.2, 0.8]", "MODEL.PRETRAINED", ""});
  EXPECT_DOUBLE_EQ(config.train.base_lr, 1e-3);
  EXPECT_EQ(config.model.swinv2.depths, (std::vector<int64_t>{2, 2, 18, 2}));
  EXPECT_FALSE(config.train.auto_resume);
  EXPECT_EQ(config.model.name, "from_opts");
  EXPECT_EQ(config.data.img_size, 256);
  ASSERT_TRUE(config.aug.cutmix_minmax.has_value());
  EXPECT_DOUBLE_EQ((*config.aug.cutmix_minmax)[0], 0.2);
  EXPECT_DOUBLE_EQ((*config.aug.cutmix_minmax)[1], 0.8);
  EXPECT_EQ(config.model.pretrained, "");
}

TEST_F(Opts, LaterPairsOverrideEarlierOnes) {
  const Config config = load_config(file_, {"TRAIN.EPOCHS", "10", "TRAIN.EPOCHS", "20"});
  EXPECT_EQ(config.train.epochs, 20);
}

TEST_F(Opts, SectionTakesAMap) {
  const Config config = load_config(file_, {"TRAIN.EMA", "{ENABLE: true, DECAY: 0.99}"});
  EXPECT_TRUE(config.train.ema.enable);
  EXPECT_DOUBLE_EQ(config.train.ema.decay, 0.99);
}

TEST_F(Opts, NullClearsAnOptionalValue) {
  const Config set = load_config(file_, {"AUG.CUTMIX_MINMAX", "[0.1, 0.9]"});
  ASSERT_TRUE(set.aug.cutmix_minmax.has_value());
  const Config cleared =
      load_config(file_, {"AUG.CUTMIX_MINMAX", "[0.1, 0.9]", "AUG.CUTMIX_MINMAX", "null"});
  EXPECT_FALSE(cleared.aug.cutmix_minmax.has_value());
}

TEST_F(Opts, ErrorsNameTheKeyAndOpts) {
  expect_contains_all(error_message([&] {
                        load_config(file_, {"TRAIN.BASE_RATE", "1"});
                      }),
                      {"TRAIN.BASE_RATE", "--opts", "unknown", "BASE_LR"});
  expect_contains_all(error_message([&] {
                        load_config(file_, {"MODEL.SWINV2.EMBED_DIM", "wide"});
                      }),
                      {"MODEL.SWINV2.EMBED_DIM", "--opts", "an integer", "wide"});
  expect_contains_all(error_message([&] {
                        load_config(file_, {"MODEL.SWINV2.DEPTHS", "2"});
                      }),
                      {"MODEL.SWINV2.DEPTHS", "--opts", "a list of integers"});
  expect_contains_all(error_message([&] {
                        load_config(file_, {"TRAIN.EPOCHS", "[1, 2"});
                      }),
                      {"TRAIN.EPOCHS", "--opts", "not valid YAML"});
  expect_contains_all(error_message([&] {
                        load_config(file_, {"BASE", "[x.yaml]"});
                      }),
                      {"BASE", "--opts"});
}

TEST_F(Opts, OddCountIsAnError) {
  expect_contains_all(error_message([&] {
                        load_config(file_, {"TRAIN.EPOCHS", "10", "TRAIN.BASE_LR"});
                      }),
                      {"--opts", "pairs", "TRAIN.BASE_LR"});
}

TEST_F(Opts, ValuesAreValidatedAfterAllOverrides) {
  expect_contains_all(error_message([&] {
                        load_config(file_, {"TRAIN.LR_SCHEDULER.NAME", "cosin"});
                      }),
                      {"TRAIN.LR_SCHEDULER.NAME", "cosin", "multistep"});
}

}  // namespace
}  // namespace swinpp::config

// The YAML files under configs/: each loads and validates, and each agrees with
// its name, the paper's variants and the golden model it describes.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "swinpp/config/config_io.h"
#include "swinpp/config/validate.h"

namespace swinpp::config {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigs = fs::path(SWINPP_GOLDEN_DIR "/../../../configs").lexically_normal();
const fs::path kGolden = fs::path(SWINPP_GOLDEN_DIR);

std::vector<fs::path> yaml_files(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The variants of the paper: channels, depths, heads.
struct Variant {
  int64_t embed_dim;
  std::vector<int64_t> depths;
  std::vector<int64_t> num_heads;
  int64_t extra_norm_period;
};

const std::map<std::string, Variant> kVariants = {
    {"tiny", {96, {2, 2, 6, 2}, {3, 6, 12, 24}, 0}},
    {"small", {96, {2, 2, 18, 2}, {3, 6, 12, 24}, 0}},
    {"base", {128, {2, 2, 18, 2}, {4, 8, 16, 32}, 0}},
    {"large", {192, {2, 2, 18, 2}, {6, 12, 24, 48}, 0}},
    {"huge", {352, {2, 2, 18, 2}, {11, 22, 44, 88}, 6}},
    {"giant", {512, {2, 2, 42, 4}, {16, 32, 64, 128}, 6}},
};

// Per stage, the window a model trained at `img` with `window` really used:
// the window is clipped to the stage's token grid.
std::vector<int64_t> trained_windows(int64_t img, int64_t patch, int64_t window) {
  std::vector<int64_t> windows;
  for (int64_t stage = 0; stage < 4; ++stage) {
    windows.push_back(std::min(window, img / (patch << stage)));
  }
  return windows;
}

TEST(ShippedConfigs, EveryFileLoadsAndValidates) {
  const std::vector<fs::path> files = yaml_files(kConfigs);
  ASSERT_GE(files.size(), 20u) << kConfigs;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    EXPECT_NO_THROW(load_config(file.string()));
  }
}

TEST(ShippedConfigs, TheOfficialSetIsPresent) {
  for (const std::string name :
       {"swinv2_tiny_patch4_window8_256", "swinv2_tiny_patch4_window16_256",
        "swinv2_small_patch4_window8_256", "swinv2_small_patch4_window16_256",
        "swinv2_base_patch4_window8_256", "swinv2_base_patch4_window16_256",
        "swinv2_base_patch4_window12_192_22k",
        "swinv2_base_patch4_window12to16_192to256_22kto1k_ft",
        "swinv2_base_patch4_window12to24_192to384_22kto1k_ft",
        "swinv2_large_patch4_window12_192_22k",
        "swinv2_large_patch4_window12to16_192to256_22kto1k_ft",
        "swinv2_large_patch4_window12to24_192to384_22kto1k_ft"}) {
    EXPECT_TRUE(fs::is_regular_file(kConfigs / "swinv2" / (name + ".yaml"))) << name;
  }
}

TEST(ShippedConfigs, SwinV2FilesAgreeWithTheirNamesAndThePaper) {
  const std::regex pattern(
      "swinv2_([a-z]+)_patch([0-9]+)_window(?:([0-9]+)to)?([0-9]+)_(?:([0-9]+)to)?([0-9]+)"
      "(_22k|_22kto1k_ft)?");
  const std::map<std::string, double> drop_path = {{"tiny", 0.2},  {"small", 0.3}, {"base", 0.5},
                                                   {"large", 0.2}, {"huge", 0.2},  {"giant", 0.2}};
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kConfigs / "swinv2")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string stem = entry.path().stem().string();
    SCOPED_TRACE(stem);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(stem, m, pattern));
    const Config config = load_config(entry.path().string());
    const SwinV2Config& swin = config.model.swinv2;
    const Variant& variant = kVariants.at(m[1]);
    EXPECT_EQ(config.model.name, stem);
    EXPECT_EQ(swin.embed_dim, variant.embed_dim);
    EXPECT_EQ(swin.depths, variant.depths);
    EXPECT_EQ(swin.num_heads, variant.num_heads);
    EXPECT_EQ(swin.extra_norm_period, variant.extra_norm_period);
    EXPECT_EQ(swin.patch_size, std::stoll(m[2]));
    EXPECT_EQ(swin.window_size, std::stoll(m[4]));
    EXPECT_EQ(config.data.img_size, std::stoll(m[6]));

    const bool pretrain_22k = m[7] == "_22k";
    const bool transfer = m[3].matched;
    EXPECT_EQ(config.model.num_classes, pretrain_22k ? 21841 : 1000);
    const double expected_drop_path = pretrain_22k || transfer ? 0.2 : drop_path.at(m[1]);
    EXPECT_DOUBLE_EQ(config.model.drop_path_rate, expected_drop_path);
    if (transfer) {
      EXPECT_EQ(swin.pretrained_window_sizes,
                trained_windows(std::stoll(m[5]), swin.patch_size, std::stoll(m[3])));
    } else {
      EXPECT_EQ(swin.pretrained_window_sizes, (std::vector<int64_t>{0, 0, 0, 0}));
    }
    ++checked;
  }
  EXPECT_GE(checked, 14);
}

TEST(ShippedConfigs, SimMIMPretrainingAndFineTuningFollowTheRecipe) {
  const Config pretrain = load_config(
      (kConfigs / "simmim/simmim_pretrain__swinv2_base__img192_window12__800ep.yaml").string());
  EXPECT_NO_THROW(validate_for_simmim(pretrain));
  EXPECT_EQ(pretrain.model.swinv2.embed_dim, kVariants.at("base").embed_dim);
  EXPECT_EQ(pretrain.data.img_size, 192);
  EXPECT_EQ(pretrain.model.swinv2.window_size, 12);
  EXPECT_EQ(pretrain.train.epochs, 800);
  EXPECT_EQ(pretrain.train.lr_scheduler.name, "multistep");
  EXPECT_EQ(pretrain.train.lr_scheduler.multisteps, (std::vector<int64_t>{700}));
  EXPECT_TRUE(pretrain.model.simmim.norm_target.enable);

  const Config finetune = load_config(
      (kConfigs / "simmim/simmim_finetune__swinv2_base__img224_window14__100ep.yaml").string());
  EXPECT_EQ(finetune.model.swinv2.embed_dim, pretrain.model.swinv2.embed_dim);
  EXPECT_EQ(finetune.model.swinv2.depths, pretrain.model.swinv2.depths);
  EXPECT_EQ(finetune.model.swinv2.pretrained_window_sizes,
            trained_windows(pretrain.data.img_size, pretrain.model.swinv2.patch_size,
                            pretrain.model.swinv2.window_size));
  EXPECT_EQ(finetune.data.img_size, 224);
  EXPECT_EQ(finetune.model.swinv2.window_size, 14);
  EXPECT_DOUBLE_EQ(finetune.train.layer_decay, 0.75);
}

// The tiny configs describe the models of the golden files.
void expect_matches_golden(const Config& config, const YAML::Node& golden) {
  const SwinV2Config& swin = config.model.swinv2;
  EXPECT_EQ(config.data.img_size, golden["img_size"].as<int64_t>());
  EXPECT_EQ(swin.window_size, golden["window_size"].as<int64_t>());
  EXPECT_EQ(swin.embed_dim, golden["embed_dim"].as<int64_t>());
  EXPECT_EQ(swin.depths, golden["depths"].as<std::vector<int64_t>>());
  EXPECT_EQ(swin.num_heads, golden["num_heads"].as<std::vector<int64_t>>());
  EXPECT_EQ(swin.pretrained_window_sizes,
            golden["pretrained_window_sizes"].as<std::vector<int64_t>>());
}

TEST(ShippedConfigs, TinyConfigsMatchTheGoldenModels) {
  // JSON is YAML: yaml-cpp reads the golden descriptions.
  const YAML::Node cls = YAML::LoadFile((kGolden / "cls_tiny64.json").string());
  const Config cls_config = load_config((kConfigs / "tiny/swinv2_tiny_golden64.yaml").string());
  expect_matches_golden(cls_config, cls);
  EXPECT_EQ(cls_config.model.num_classes, cls["num_classes"].as<int64_t>());

  const YAML::Node simmim = YAML::LoadFile((kGolden / "simmim_tiny64.json").string());
  const Config simmim_config = load_config((kConfigs / "tiny/simmim_tiny_golden64.yaml").string());
  EXPECT_NO_THROW(validate_for_simmim(simmim_config));
  expect_matches_golden(simmim_config, simmim);
  EXPECT_EQ(simmim_config.data.mask_patch_size, simmim["mask_patch_size"].as<int64_t>());
  EXPECT_DOUBLE_EQ(simmim_config.data.mask_ratio, simmim["mask_ratio"].as<double>());
  EXPECT_EQ(simmim_config.model.simmim.norm_target.enable, simmim["norm_target"].as<bool>());
  EXPECT_EQ(simmim_config.model.simmim.norm_target.patch_size,
            simmim["norm_target_patch"].as<int64_t>());
}

}  // namespace
}  // namespace swinpp::config

// A tiny configuration and synthetic dataset for trainer tests.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "swinpp/config/config.h"
#include "swinpp/data/synthetic_dataset.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/checkpoint.h"
#include "swinpp/train/trainer.h"

namespace swinpp::testing {

/// A fresh folder under the system temp dir, removed with the object.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

/// A 4-class synthetic ImageFolder of 32x32 JPEGs under `dir`.
inline std::string make_tiny_dataset(const std::filesystem::path& dir) {
  data::SyntheticDatasetOptions o;
  o.classes = 4, o.per_class = 6, o.val_per_class = 2, o.width = 40, o.height = 40;
  data::make_synthetic_dataset(dir.string(), o);
  return dir.string();
}

/// A small SwinV2 (32x32 input, window 4, C = 16) training on `data` into `output`.
inline config::Config tiny_config(const std::string& data, const std::string& output) {
  config::Config c;
  c.data.data_path = data;
  c.data.img_size = 32;
  c.data.batch_size = 4;
  c.data.num_workers = 2;
  c.data.mask_patch_size = 8;
  c.model.name = "tiny";
  c.model.num_classes = 4;
  c.model.drop_path_rate = 0.2;  // randomness that resuming must replay
  c.model.swinv2.embed_dim = 16;
  c.model.swinv2.depths = {1, 1, 2, 1};
  c.model.swinv2.num_heads = {1, 2, 4, 8};
  c.model.swinv2.window_size = 4;
  c.train.epochs = 2;
  c.train.warmup_epochs = 1;
  c.train.base_lr = 1e-3;
  c.train.auto_resume = true;
  c.train.scale_lr = false;
  c.amp_enable = false;
  c.output = output;
  c.print_freq = 1;
  return c;
}

/// The model weights of `trainer`'s newest checkpoint.
inline io::TensorMap final_weights(const train::Trainer& trainer) {
  const auto dir = train::latest_checkpoint(trainer.run_dir() + "/checkpoints");
  EXPECT_TRUE(dir.has_value());
  return dir ? io::load_safetensors(*dir + "/model.safetensors") : io::TensorMap{};
}

/// Expects the same names holding bit-identical tensors.
inline void expect_bit_identical(const io::TensorMap& a, const io::TensorMap& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, value] : a) EXPECT_TRUE(torch::equal(value, b.at(key))) << key;
}

}  // namespace swinpp::testing

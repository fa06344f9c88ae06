#pragma once

#include <cstdint>
#include <string>
#include <tuple>

namespace swinpp::config {

/// DATA: what is read and how it is batched. Defaults are the official ones.
struct DataConfig {
  /// DATA.BATCH_SIZE: images per process and optimizer micro-step.
  int64_t batch_size = 128;
  /// DATA.DATA_PATH: dataset root; holds train/ and val/ for classification,
  /// and is read as one image folder by SimMIM pre-training.
  std::string data_path;
  /// DATA.DATASET: dataset name (imagenet, imagenet22K, ...).
  std::string dataset = "imagenet";
  /// DATA.IMG_SIZE: side of the square network input, in pixels.
  int64_t img_size = 224;
  /// DATA.INTERPOLATION: resize filter, one of bicubic, bilinear, nearest.
  std::string interpolation = "bicubic";
  /// DATA.PIN_MEMORY: pin host batches for faster device copies.
  bool pin_memory = true;
  /// DATA.NUM_WORKERS: data loading threads.
  int64_t num_workers = 8;
  /// DATA.MASK_PATCH_SIZE: side of one SimMIM mask cell, in pixels.
  int64_t mask_patch_size = 32;
  /// DATA.MASK_RATIO: fraction of SimMIM mask cells that are masked, in [0, 1).
  double mask_ratio = 0.6;
  /// DATA.NUM_THREADS (swinpp): intra-op compute threads; 0 = every core.
  int64_t num_threads = 0;
  /// DATA.SHUFFLE_BUFFER (swinpp): 0 samples training tar shards as a whole,
  /// like a folder; N > 0 gives each rank whole shards of the epoch's shard
  /// permutation, streamed through a shuffle buffer of N samples (WebDataset).
  int64_t shuffle_buffer = 0;

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(batch_size, data_path, dataset, img_size, interpolation, pin_memory,
                    num_workers, mask_patch_size, mask_ratio, num_threads, shuffle_buffer);
  }
};

/// True when every field is equal.
inline bool operator==(const DataConfig& a, const DataConfig& b) {
  return a.fields() == b.fields();
}
/// True when any field differs.
inline bool operator!=(const DataConfig& a, const DataConfig& b) { return !(a == b); }

}  // namespace swinpp::config

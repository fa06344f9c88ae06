#pragma once

#include <cstdint>
#include <string>

#include "swinpp/data/resample.h"

namespace swinpp::data {

/// Throughput of the training input pipeline over one folder.
struct DataBenchResult {
  int workers = 0;
  int img_size = 0;
  int batch = 0;
  int64_t batches = 0;  // timed batches (the first, warm-up batch excluded)
  int64_t images = 0;   // timed images
  double seconds = 0.0;
  double images_per_second = 0.0;
  int64_t bad_samples = 0;

  /// One JSON line with the fields above, named as the torchvision script's.
  std::string to_json() const;
};

/// Times the real Loader on the ImageFolder `dir` with the training pipeline
/// minus RandAugment, jitter and erasing (read, decode, RandomResizedCrop S,
/// flip, normalise, batch), as tools/bench_data_torchvision.py does with
/// torchvision. The clock starts after the first batch and stops after
/// `seconds` or `max_batches` (0: no limit), cycling epochs as needed.
/// Throws swinpp::Error for a bad folder or settings.
DataBenchResult bench_data(const std::string& dir, int workers, int img_size, int batch,
                           double seconds, int64_t max_batches = 0,
                           Interpolation interpolation = Interpolation::kBilinear);

}  // namespace swinpp::data

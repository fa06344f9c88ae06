#pragma once

#include <cstdint>
#include <string>

#include "swinpp/data/image.h"
#include "swinpp/data/random.h"

namespace swinpp::data {

/// Settings of a synthetic classification dataset.
struct SyntheticDatasetOptions {
  int classes = 10;
  int per_class = 100;     // training images per class
  int val_per_class = 20;  // validation images per class
  int width = 128;
  int height = 128;
  uint64_t seed = 0;
  int quality = 90;  // JPEG quality
};

/// Number of distinct shapes; class c draws shape c % kSyntheticShapes.
inline constexpr int kSyntheticShapes = 8;

/// One picture of class `class_index`: the class's shape (circle, square,
/// triangle, stripes, ring, cross, diamond, checker) in the class's hue, at a
/// random position, scale and rotation, with jittered colour, over a noisy
/// gradient background. Learnable, not trivial. Draws from `gen`.
Image render_synthetic_image(int class_index, int width, int height, Generator& gen);

/// Writes a JPEG ImageFolder: out_dir/train/class_000/00000.jpg ... and
/// out_dir/val/class_000/... (val omitted when val_per_class is 0). Every
/// image is a function of (seed, split, class, index). Returns the number of
/// files written. Throws swinpp::Error on bad settings or an unwritable folder.
int64_t make_synthetic_dataset(const std::string& out_dir, const SyntheticDatasetOptions& options);

/// make_synthetic_dataset with square images of side `size` and quality 90.
int64_t make_synthetic_dataset(const std::string& out_dir, int classes, int per_class,
                               int size = 96, uint64_t seed = 0, int val_per_class = 0);

}  // namespace swinpp::data

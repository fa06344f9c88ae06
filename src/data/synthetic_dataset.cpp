#include "swinpp/data/synthetic_dataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "swinpp/data/image_encoder.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

using Color = std::array<double, 3>;

/// HSV in [0, 1] to RGB in [0, 255].
Color hsv_to_rgb(double h, double s, double v) {
  h = (h - std::floor(h)) * 6.0;
  const int sector = static_cast<int>(h) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  static constexpr int kOrder[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3},
                                       {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};
  const double values[4] = {v, p, q, t};
  return {values[kOrder[sector][0]] * 255.0, values[kOrder[sector][1]] * 255.0,
          values[kOrder[sector][2]] * 255.0};
}

/// Signed coverage of a shape at local coordinates (u, v), the shape's half
/// size being 1: > 0 inside. `pixel` is one pixel in local units (for edges).
double coverage(int shape, double u, double v, double pixel) {
  const double r = std::hypot(u, v);
  double distance = 0.0;  // positive inside, in local units
  switch (shape) {
    case 0:
      distance = 1.0 - r;
      break;  // circle
    case 1:
      distance = 1.0 - std::max(std::fabs(u), std::fabs(v));
      break;  // square
    case 2:   // triangle
      distance = std::min({0.5 + v, 0.5 - (0.866 * u + 0.5 * v), 0.5 - (-0.866 * u + 0.5 * v)});
      break;
    case 3:  // stripes
      distance = std::min(1.0 - r, 0.125 - std::fabs(std::fmod(v + 8.0, 0.5) - 0.25));
      break;
    case 4:
      distance = std::min(1.0 - r, r - 0.55);
      break;  // ring
    case 5:
      distance = std::min(1.0 - std::max(std::fabs(u), std::fabs(v)),
                          0.3 - std::min(std::fabs(u), std::fabs(v)));
      break;  // cross
    case 6:
      distance = (1.0 - std::fabs(u) - std::fabs(v)) * 0.707;
      break;    // diamond
    default: {  // checker
      const bool dark =
          (static_cast<int>(std::floor((u + 4) * 2)) + static_cast<int>(std::floor((v + 4) * 2))) %
              2 ==
          0;
      distance = std::min(1.0 - std::max(std::fabs(u), std::fabs(v)), dark ? 1.0 : -1.0);
    }
  }
  return std::clamp(distance / pixel + 0.5, 0.0, 1.0);
}

}  // namespace

Image render_synthetic_image(int class_index, int width, int height, Generator& gen) {
  const int shape = class_index % kSyntheticShapes;
  // Golden-ratio steps spread the class hues evenly whatever the class count.
  const double hue = 0.08 + class_index * 0.6180339887 + uniform(gen, -0.03, 0.03);
  const Color ink = hsv_to_rgb(hue, uniform(gen, 0.55, 1.0), uniform(gen, 0.55, 1.0));
  const Color paper_a = hsv_to_rgb(uniform01(gen), uniform(gen, 0.0, 0.35), uniform(gen, 0.2, 0.9));
  const Color paper_b = hsv_to_rgb(uniform01(gen), uniform(gen, 0.0, 0.35), uniform(gen, 0.2, 0.9));
  const double side = std::min(width, height);
  const double half_size = side * uniform(gen, 0.18, 0.4);
  const double cx = uniform(gen, half_size, width - half_size);
  const double cy = uniform(gen, half_size, height - half_size);
  const double angle = uniform(gen, 0.0, 2.0 * kPi);
  const double cos_a = std::cos(angle), sin_a = std::sin(angle);
  const double gradient_angle = uniform(gen, 0.0, 2.0 * kPi);
  const double gx = std::cos(gradient_angle) / width, gy = std::sin(gradient_angle) / height;
  const double noise = uniform(gen, 4.0, 14.0);
  Image image(width, height);
  for (int y = 0; y < height; ++y) {
    uint8_t* p = image.row(y);
    for (int x = 0; x < width; ++x, p += 3) {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const double u = (cos_a * dx + sin_a * dy) / half_size;
      const double v = (-sin_a * dx + cos_a * dy) / half_size;
      const double alpha = coverage(shape, u, v, 1.0 / half_size);
      const double t = std::clamp(0.5 + (x * gx + y * gy), 0.0, 1.0);
      for (int c = 0; c < 3; ++c) {
        const double paper = paper_a[c] * (1 - t) + paper_b[c] * t;
        const double value = paper * (1 - alpha) + ink[c] * alpha + noise * normal(gen);
        p[c] = static_cast<uint8_t>(std::clamp(value + 0.5, 0.0, 255.0));
      }
    }
  }
  return image;
}

int64_t make_synthetic_dataset(const std::string& out_dir, const SyntheticDatasetOptions& options) {
  if (options.classes < 1 || options.per_class < 0 || options.val_per_class < 0 ||
      options.width < 8 || options.height < 8 || options.quality < 1 || options.quality > 100) {
    throw Error(
        "synthetic dataset: expected classes >= 1, counts >= 0, sides >= 8 and quality in "
        "1..100, found classes " +
        std::to_string(options.classes) + ", per_class " + std::to_string(options.per_class) +
        ", val_per_class " + std::to_string(options.val_per_class) + ", size " +
        std::to_string(options.width) + "x" + std::to_string(options.height) + ", quality " +
        std::to_string(options.quality));
  }
  const std::array<std::pair<const char*, int>, 2> splits = {
      std::pair<const char*, int>{"train", options.per_class}, {"val", options.val_per_class}};
  int64_t written = 0;
  for (size_t split = 0; split < splits.size(); ++split) {
    const auto [split_name, count] = splits[split];
    if (count == 0) continue;
    for (int c = 0; c < options.classes; ++c) {
      char class_name[32];
      std::snprintf(class_name, sizeof(class_name), "class_%03d", c);
      const fs::path folder = fs::path(out_dir) / split_name / class_name;
      std::error_code error;
      fs::create_directories(folder, error);
      if (error) throw Error("cannot create folder " + folder.string() + ": " + error.message());
      for (int i = 0; i < count; ++i) {
        Generator gen(
            mix_seed(options.seed, split, static_cast<uint64_t>(c), static_cast<uint64_t>(i)));
        char file_name[32];
        std::snprintf(file_name, sizeof(file_name), "%05d.jpg", i);
        write_image((folder / file_name).string(),
                    render_synthetic_image(c, options.width, options.height, gen), options.quality);
        ++written;
      }
    }
  }
  return written;
}

int64_t make_synthetic_dataset(const std::string& out_dir, int classes, int per_class, int size,
                               uint64_t seed, int val_per_class) {
  SyntheticDatasetOptions options;
  options.classes = classes;
  options.per_class = per_class;
  options.val_per_class = val_per_class;
  options.width = options.height = size;
  options.seed = seed;
  return make_synthetic_dataset(out_dir, options);
}

}  // namespace swinpp::data

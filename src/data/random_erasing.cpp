#include "swinpp/data/random_erasing.h"

#include <cmath>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::data {

ErasingMode parse_erasing_mode(const std::string& name) {
  if (name == "const") return ErasingMode::kConst;
  if (name == "rand") return ErasingMode::kRand;
  if (name == "pixel") return ErasingMode::kPixel;
  throw Error("random erasing mode (AUG.REMODE): expected 'const', 'rand' or 'pixel', found '" +
              name + "'");
}

void random_erase(float* chw, int channels, int height, int width,
                  const RandomErasingOptions& options, Generator& gen) {
  if (options.probability <= 0.0 || !bernoulli(gen, options.probability)) return;
  const double area = static_cast<double>(height) * width;
  const int count = options.min_count == options.max_count
                        ? options.min_count
                        : static_cast<int>(uniform_int(gen, options.min_count, options.max_count));
  const double log_aspect_min = std::log(options.min_aspect);
  const double log_aspect_max = std::log(options.max_aspect);
  const size_t plane = static_cast<size_t>(height) * width;
  std::vector<float> noise;
  for (int box = 0; box < count; ++box) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double target_area = uniform(gen, options.min_area, options.max_area) * area / count;
      const double aspect = std::exp(uniform(gen, log_aspect_min, log_aspect_max));
      const int h = static_cast<int>(std::nearbyint(std::sqrt(target_area * aspect)));
      const int w = static_cast<int>(std::nearbyint(std::sqrt(target_area / aspect)));
      if (w >= width || h >= height) continue;
      const int top = static_cast<int>(uniform_int(gen, 0, height - h));
      const int left = static_cast<int>(uniform_int(gen, 0, width - w));
      const size_t box_pixels = static_cast<size_t>(h) * w;
      noise.assign(options.mode == ErasingMode::kPixel ? box_pixels * channels : channels, 0.0f);
      if (options.mode != ErasingMode::kConst) {
        fill_normal(gen, noise.data(), static_cast<int64_t>(noise.size()));
      }
      for (int c = 0; c < channels; ++c) {
        for (int y = 0; y < h; ++y) {
          float* row = chw + c * plane + static_cast<size_t>(top + y) * width + left;
          for (int x = 0; x < w; ++x) {
            row[x] = options.mode == ErasingMode::kPixel
                         ? noise[(static_cast<size_t>(c) * h + y) * w + x]
                         : noise[c];
          }
        }
      }
      break;
    }
  }
}

}  // namespace swinpp::data

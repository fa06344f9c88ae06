#pragma once

#include <string>

#include "swinpp/data/random.h"

namespace swinpp::data {

/// What fills an erased box: zeros, one normal value per channel, or a
/// normal value per pixel (timm's const / rand / pixel).
enum class ErasingMode { kConst, kRand, kPixel };

/// Parses "const", "rand" or "pixel"; throws swinpp::Error otherwise.
ErasingMode parse_erasing_mode(const std::string& name);

/// timm's RandomErasing settings (Zhong et al. 2017); defaults as Swin's
/// AUG.REPROB 0.25, REMODE pixel, RECOUNT 1.
struct RandomErasingOptions {
  double probability = 0.25;
  ErasingMode mode = ErasingMode::kPixel;
  int min_count = 1;
  int max_count = 1;
  double min_area = 0.02;
  double max_area = 1.0 / 3.0;
  double min_aspect = 0.3;
  double max_aspect = 1.0 / 0.3;
};

/// With `probability`, erases count boxes of the float CHW image `chw`
/// ([channels, height, width], already normalised): each box tries 10 times
/// for an area fraction in [min_area, max_area] / count and a log-uniform
/// aspect, and is filled according to the mode. Draws from `gen`.
void random_erase(float* chw, int channels, int height, int width,
                  const RandomErasingOptions& options, Generator& gen);

}  // namespace swinpp::data

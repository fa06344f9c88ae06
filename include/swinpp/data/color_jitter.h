#pragma once

#include "swinpp/data/image.h"
#include "swinpp/data/random.h"

namespace swinpp::data {

/// torchvision's ColorJitter(brightness, contrast, saturation) on 8-bit RGB:
/// each factor is drawn uniformly from [max(0, 1 - s), 1 + s] and the three
/// adjustments run in a random order. A strength of 0 disables its adjustment.
class ColorJitter {
 public:
  /// All three strengths the same, as timm's `color_jitter=0.4`.
  explicit ColorJitter(double strength) : ColorJitter(strength, strength, strength) {}
  /// Separate strengths. Throws swinpp::Error on a negative strength.
  ColorJitter(double brightness, double contrast, double saturation);

  /// Jitters `image` in place, drawing from `gen`.
  void apply(Image& image, Generator& gen) const;

  /// True when every strength is 0 (apply changes nothing).
  bool is_identity() const;

 private:
  double brightness_;
  double contrast_;
  double saturation_;
};

}  // namespace swinpp::data

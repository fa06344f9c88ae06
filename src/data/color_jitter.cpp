#include "swinpp/data/color_jitter.h"

#include <algorithm>
#include <array>
#include <string>

#include "swinpp/data/color_ops.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

ColorJitter::ColorJitter(double brightness, double contrast, double saturation)
    : brightness_(brightness), contrast_(contrast), saturation_(saturation) {
  if (brightness < 0.0 || contrast < 0.0 || saturation < 0.0) {
    throw Error("color jitter: expected non-negative strengths, found brightness " +
                std::to_string(brightness) + ", contrast " + std::to_string(contrast) +
                ", saturation " + std::to_string(saturation));
  }
}

bool ColorJitter::is_identity() const {
  return brightness_ == 0.0 && contrast_ == 0.0 && saturation_ == 0.0;
}

void ColorJitter::apply(Image& image, Generator& gen) const {
  // torchvision draws the order (a permutation of four, hue included) and
  // then every factor before applying any.
  std::array<int, 4> order = {0, 1, 2, 3};
  for (int i = 3; i > 0; --i) std::swap(order[i], order[uniform_int(gen, 0, i)]);
  const auto factor = [&gen](double strength) {
    return strength > 0.0 ? uniform(gen, std::max(0.0, 1.0 - strength), 1.0 + strength) : 1.0;
  };
  const double brightness = factor(brightness_);
  const double contrast = factor(contrast_);
  const double saturation = factor(saturation_);
  for (const int op : order) {
    if (op == 0 && brightness_ > 0.0) adjust_brightness(image, brightness);
    if (op == 1 && contrast_ > 0.0) adjust_contrast(image, contrast);
    if (op == 2 && saturation_ > 0.0) adjust_saturation(image, saturation);
  }
}

}  // namespace swinpp::data

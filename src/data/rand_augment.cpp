#include "swinpp/data/rand_augment.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "swinpp/data/color_ops.h"
#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// timm's _RAND_TRANSFORMS.
const std::vector<AugmentOp> kDefaultOps = {
    AugmentOp::kAutoContrast, AugmentOp::kEqualize,      AugmentOp::kInvert,
    AugmentOp::kRotate,       AugmentOp::kPosterize,     AugmentOp::kSolarize,
    AugmentOp::kSolarizeAdd,  AugmentOp::kColor,         AugmentOp::kContrast,
    AugmentOp::kBrightness,   AugmentOp::kSharpness,     AugmentOp::kShearX,
    AugmentOp::kShearY,       AugmentOp::kTranslateXRel, AugmentOp::kTranslateYRel};

/// timm's _RAND_INCREASING_TRANSFORMS.
const std::vector<AugmentOp> kIncreasingOps = {AugmentOp::kAutoContrast,
                                               AugmentOp::kEqualize,
                                               AugmentOp::kInvert,
                                               AugmentOp::kRotate,
                                               AugmentOp::kPosterizeIncreasing,
                                               AugmentOp::kSolarizeIncreasing,
                                               AugmentOp::kSolarizeAdd,
                                               AugmentOp::kColorIncreasing,
                                               AugmentOp::kContrastIncreasing,
                                               AugmentOp::kBrightnessIncreasing,
                                               AugmentOp::kSharpnessIncreasing,
                                               AugmentOp::kShearX,
                                               AugmentOp::kShearY,
                                               AugmentOp::kTranslateXRel,
                                               AugmentOp::kTranslateYRel};

constexpr double kMaxLevel = 10.0;

double parse_number(const std::string& text, const std::string& section,
                    const std::string& policy) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw Error("RandAugment policy '" + policy + "': expected a number in section '" + section +
                "', found '" + text + "'");
  }
  return value;
}

/// timm's _randomly_negate: the sign flips when a uniform draw exceeds 0.5.
double randomly_negate(double value, Generator& gen) {
  return uniform01(gen) > 0.5 ? -value : value;
}

}  // namespace

const char* augment_op_name(AugmentOp op) {
  switch (op) {
    case AugmentOp::kAutoContrast:
      return "AutoContrast";
    case AugmentOp::kEqualize:
      return "Equalize";
    case AugmentOp::kInvert:
      return "Invert";
    case AugmentOp::kRotate:
      return "Rotate";
    case AugmentOp::kPosterize:
      return "Posterize";
    case AugmentOp::kSolarize:
      return "Solarize";
    case AugmentOp::kSolarizeAdd:
      return "SolarizeAdd";
    case AugmentOp::kColor:
      return "Color";
    case AugmentOp::kContrast:
      return "Contrast";
    case AugmentOp::kBrightness:
      return "Brightness";
    case AugmentOp::kSharpness:
      return "Sharpness";
    case AugmentOp::kShearX:
      return "ShearX";
    case AugmentOp::kShearY:
      return "ShearY";
    case AugmentOp::kTranslateXRel:
      return "TranslateXRel";
    case AugmentOp::kTranslateYRel:
      return "TranslateYRel";
    case AugmentOp::kPosterizeIncreasing:
      return "PosterizeIncreasing";
    case AugmentOp::kSolarizeIncreasing:
      return "SolarizeIncreasing";
    case AugmentOp::kColorIncreasing:
      return "ColorIncreasing";
    case AugmentOp::kContrastIncreasing:
      return "ContrastIncreasing";
    case AugmentOp::kBrightnessIncreasing:
      return "BrightnessIncreasing";
    case AugmentOp::kSharpnessIncreasing:
      return "SharpnessIncreasing";
  }
  return "?";
}

RandAugmentConfig parse_rand_augment(const std::string& policy) {
  RandAugmentConfig config;
  size_t start = 0;
  bool first = true;
  while (start <= policy.size()) {
    const size_t dash = std::min(policy.find('-', start), policy.size());
    const std::string section = policy.substr(start, dash - start);
    start = dash + 1;
    if (first) {
      if (section != "rand") {
        throw Error("RandAugment policy '" + policy +
                    "': expected it to start with 'rand', found '" + section + "'");
      }
      first = false;
      continue;
    }
    // As timm's re.split(r'(\d.*)'): the key runs up to the first digit.
    const auto digit = std::find_if(section.begin(), section.end(),
                                    [](unsigned char c) { return std::isdigit(c) != 0; });
    if (digit == section.end()) continue;
    const std::string key(section.begin(), digit);
    const double value = parse_number(std::string(digit, section.end()), section, policy);
    if (key == "m") {
      config.magnitude = value;
    } else if (key == "n") {
      config.num_ops = static_cast<int>(value);
    } else if (key == "mstd") {
      config.magnitude_std = value;
    } else if (key == "mmax") {
      config.magnitude_max = value;
    } else if (key == "p") {
      config.op_probability = value;
    } else if (key == "inc") {
      config.increasing = value != 0.0;
    } else {
      throw Error("RandAugment policy '" + policy + "': unknown section '" + section +
                  "' (expected m, n, mstd, mmax, p or inc)");
    }
  }
  config.ops = config.increasing ? kIncreasingOps : kDefaultOps;
  return config;
}

RandAugment::RandAugment(RandAugmentConfig config, RandAugmentHparams hparams)
    : config_(std::move(config)), hparams_(hparams) {
  if (config_.ops.empty() || config_.num_ops < 0) {
    throw Error("RandAugment: expected at least one op and a non-negative op count, found " +
                std::to_string(config_.ops.size()) +
                " ops and n = " + std::to_string(config_.num_ops));
  }
}

RandAugment::RandAugment(const std::string& policy, RandAugmentHparams hparams)
    : RandAugment(parse_rand_augment(policy), hparams) {}

void RandAugment::apply(Image& image, Generator& gen) const {
  std::vector<AugmentOp> chosen(config_.num_ops);
  for (AugmentOp& op : chosen) {
    op = config_.ops[uniform_int(gen, 0, static_cast<int64_t>(config_.ops.size()) - 1)];
  }
  for (const AugmentOp op : chosen) {
    if (config_.op_probability < 1.0 && uniform01(gen) > config_.op_probability) continue;
    double magnitude = config_.magnitude;
    if (config_.magnitude_std > 0.0) magnitude = normal(gen, magnitude, config_.magnitude_std);
    magnitude = std::clamp(magnitude, 0.0, config_.magnitude_max);
    apply_op(op, magnitude, image, gen);
  }
}

void RandAugment::apply_op(AugmentOp op, double magnitude, Image& image, Generator& gen) const {
  const double level = magnitude / kMaxLevel;
  const FillColor& fill = hparams_.fill;
  switch (op) {
    case AugmentOp::kAutoContrast:
      auto_contrast(image);
      break;
    case AugmentOp::kEqualize:
      equalize(image);
      break;
    case AugmentOp::kInvert:
      invert(image);
      break;
    case AugmentOp::kRotate:
      image = rotate(image, randomly_negate(level * 30.0, gen), fill);
      break;
    case AugmentOp::kPosterize:
      posterize(image, static_cast<int>(level * 4));
      break;
    case AugmentOp::kPosterizeIncreasing:
      posterize(image, 4 - static_cast<int>(level * 4));
      break;
    case AugmentOp::kSolarize:
      solarize(image, static_cast<int>(level * 256));
      break;
    case AugmentOp::kSolarizeIncreasing:
      solarize(image, 256 - static_cast<int>(level * 256));
      break;
    case AugmentOp::kSolarizeAdd:
      solarize_add(image, static_cast<int>(level * 110));
      break;
    case AugmentOp::kColor:
      adjust_saturation(image, level * 1.8 + 0.1);
      break;
    case AugmentOp::kContrast:
      adjust_contrast(image, level * 1.8 + 0.1);
      break;
    case AugmentOp::kBrightness:
      adjust_brightness(image, level * 1.8 + 0.1);
      break;
    case AugmentOp::kSharpness:
      adjust_sharpness(image, level * 1.8 + 0.1);
      break;
    case AugmentOp::kColorIncreasing:
      adjust_saturation(image, 1.0 + randomly_negate(level * 0.9, gen));
      break;
    case AugmentOp::kContrastIncreasing:
      adjust_contrast(image, 1.0 + randomly_negate(level * 0.9, gen));
      break;
    case AugmentOp::kBrightnessIncreasing:
      adjust_brightness(image, 1.0 + randomly_negate(level * 0.9, gen));
      break;
    case AugmentOp::kSharpnessIncreasing:
      adjust_sharpness(image, 1.0 + randomly_negate(level * 0.9, gen));
      break;
    case AugmentOp::kShearX:
      image = shear_x(image, randomly_negate(level * 0.3, gen), fill);
      break;
    case AugmentOp::kShearY:
      image = shear_y(image, randomly_negate(level * 0.3, gen), fill);
      break;
    case AugmentOp::kTranslateXRel:
      image = translate_x_relative(image, randomly_negate(level * hparams_.translate_fraction, gen),
                                   fill);
      break;
    case AugmentOp::kTranslateYRel:
      image = translate_y_relative(image, randomly_negate(level * hparams_.translate_fraction, gen),
                                   fill);
      break;
  }
}

}  // namespace swinpp::data

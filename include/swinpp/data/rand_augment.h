#pragma once

#include <string>
#include <vector>

#include "swinpp/data/geometric_ops.h"
#include "swinpp/data/image.h"
#include "swinpp/data/random.h"

namespace swinpp::data {

/// The operations of timm's RandAugment (timm/data/auto_augment.py).
enum class AugmentOp {
  kAutoContrast,
  kEqualize,
  kInvert,
  kRotate,
  kPosterize,
  kSolarize,
  kSolarizeAdd,
  kColor,
  kContrast,
  kBrightness,
  kSharpness,
  kShearX,
  kShearY,
  kTranslateXRel,
  kTranslateYRel,
  kPosterizeIncreasing,
  kSolarizeIncreasing,
  kColorIncreasing,
  kContrastIncreasing,
  kBrightnessIncreasing,
  kSharpnessIncreasing,
};

/// timm's name of `op` ("AutoContrast", "PosterizeIncreasing", ...).
const char* augment_op_name(AugmentOp op);

/// A parsed RandAugment policy string.
struct RandAugmentConfig {
  int num_ops = 2;              // "n": ops applied per image, chosen with replacement
  double magnitude = 10.0;      // "m": level on timm's 0..10 scale
  double magnitude_std = 0.0;   // "mstd": Gaussian noise on the level, per op call
  double magnitude_max = 10.0;  // "mmax": upper clip of the noisy level
  double op_probability = 0.5;  // "p": chance that a chosen op is applied
  bool increasing = false;      // "inc": the increasing-severity op set
  std::vector<AugmentOp> ops;   // the op set chosen from
};

/// Parses timm's policy string, e.g. "rand-m9-mstd0.5-inc1": sections m, n,
/// mstd, mmax, p, inc after the leading "rand". Throws swinpp::Error naming
/// the string for another prefix, an unknown section or a bad number.
RandAugmentConfig parse_rand_augment(const std::string& policy);

/// The constants timm passes to its ops (create_transform's aa_params).
struct RandAugmentHparams {
  FillColor fill{124, 116, 104};  // round(255 * ImageNet mean)
  double translate_fraction = 0.45;
};

/// timm's RandAugment: num_ops ops drawn uniformly with replacement, each
/// applied with op_probability at a magnitude drawn from N(m, mstd) clipped
/// to [0, mmax]; signed ops flip their sign with probability 0.5.
class RandAugment {
 public:
  /// Throws swinpp::Error when the config has no op or a negative count.
  explicit RandAugment(RandAugmentConfig config, RandAugmentHparams hparams = {});
  /// Parses `policy` (see parse_rand_augment).
  explicit RandAugment(const std::string& policy, RandAugmentHparams hparams = {});

  /// Augments `image` in place, drawing from `gen`.
  void apply(Image& image, Generator& gen) const;

  /// Applies `op` at `magnitude` (0..10) unconditionally; `gen` draws only the sign.
  void apply_op(AugmentOp op, double magnitude, Image& image, Generator& gen) const;

  /// The parsed policy.
  const RandAugmentConfig& config() const { return config_; }

 private:
  RandAugmentConfig config_;
  RandAugmentHparams hparams_;
};

}  // namespace swinpp::data

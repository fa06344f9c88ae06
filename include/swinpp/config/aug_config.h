#pragma once

#include <array>
#include <optional>
#include <string>
#include <tuple>

namespace swinpp::config {

/// AUG: training-time augmentation of classification (timm's recipe).
struct AugConfig {
  /// AUG.COLOR_JITTER: color jitter strength; 0 = off.
  double color_jitter = 0.4;
  /// AUG.AUTO_AUGMENT: RandAugment policy string; '' or none = off.
  std::string auto_augment = "rand-m9-mstd0.5-inc1";
  /// AUG.REPROB: random erasing probability, in [0, 1].
  double reprob = 0.25;
  /// AUG.REMODE: random erasing fill, one of const, rand, pixel.
  std::string remode = "pixel";
  /// AUG.RECOUNT: random erasing boxes per image.
  int64_t recount = 1;
  /// AUG.MIXUP: mixup alpha; mixup is on when > 0.
  double mixup = 0.8;
  /// AUG.CUTMIX: cutmix alpha; cutmix is on when > 0.
  double cutmix = 1.0;
  /// AUG.CUTMIX_MINMAX: cutmix box ratio bounds; when set, overrides alpha (null = unset).
  std::optional<std::array<double, 2>> cutmix_minmax;
  /// AUG.MIXUP_PROB: probability of mixing a batch, in [0, 1].
  double mixup_prob = 1.0;
  /// AUG.MIXUP_SWITCH_PROB: probability of cutmix instead of mixup when both are on.
  double mixup_switch_prob = 0.5;
  /// AUG.MIXUP_MODE: mixing granularity, one of batch, pair, elem.
  std::string mixup_mode = "batch";

  /// Every field, for comparisons.
  auto fields() const {
    return std::tie(color_jitter, auto_augment, reprob, remode, recount, mixup, cutmix,
                    cutmix_minmax, mixup_prob, mixup_switch_prob, mixup_mode);
  }
};

/// True when every field is equal.
inline bool operator==(const AugConfig& a, const AugConfig& b) { return a.fields() == b.fields(); }
/// True when any field differs.
inline bool operator!=(const AugConfig& a, const AugConfig& b) { return !(a == b); }

}  // namespace swinpp::config

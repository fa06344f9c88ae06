#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "swinpp/data/random.h"

namespace swinpp::data {

/// How mixing parameters are drawn: one per batch, one per pair (i, B-1-i),
/// or one per element.
enum class MixupMode { kBatch, kPair, kElem };

/// Parses "batch", "pair" or "elem"; throws swinpp::Error otherwise.
MixupMode parse_mixup_mode(const std::string& name);

/// timm's Mixup settings; defaults as Swin's AUG.* and MODEL.LABEL_SMOOTHING.
struct MixupOptions {
  double mixup_alpha = 0.8;
  double cutmix_alpha = 1.0;
  /// Min/max fraction of the image side of the CutMix box; when set, CutMix
  /// uses it instead of lambda for the box and cutmix_alpha is forced to 1.
  std::optional<std::pair<double, double>> cutmix_minmax;
  double prob = 1.0;
  double switch_prob = 0.5;
  MixupMode mode = MixupMode::kBatch;
  /// Recompute lambda from the clipped box area (timm's correct_lam).
  bool correct_lam = true;
  double label_smoothing = 0.1;
  int64_t num_classes = 1000;
};

/// A CutMix box [y0, y1) x [x0, x1) and the lambda it implies.
struct CutmixBox {
  int64_t y0 = 0;
  int64_t y1 = 0;
  int64_t x0 = 0;
  int64_t x1 = 0;
  double lam = 1.0;
};

/// timm's cutmix_bbox_and_lam: a box of side sqrt(1 - lam) (or of a random
/// size in cutmix_minmax) centred at a uniform point and clipped to the image;
/// with correction, lam becomes 1 - box area / image area.
CutmixBox cutmix_box(int64_t height, int64_t width, double lam,
                     const std::optional<std::pair<double, double>>& minmax, bool correct_lam,
                     Generator& gen);

/// timm's mixup_target: smoothed one-hot targets lam * y + (1 - lam) * y.flip(0),
/// with off = smoothing / classes and on = 1 - smoothing + off. `lam` is a
/// scalar tensor or one value per row [B, 1]. Returns float [B, num_classes].
torch::Tensor mixup_target(const torch::Tensor& labels, int64_t num_classes,
                           const torch::Tensor& lam, double smoothing);

/// timm's Mixup / CutMix. Mixes a float batch in place (each image with the
/// one at the mirrored position B-1-i) and returns the soft targets.
class Mixup {
 public:
  /// Throws swinpp::Error for negative alphas, probabilities outside [0, 1],
  /// num_classes < 1 or a bad cutmix_minmax.
  explicit Mixup(MixupOptions options);

  /// images: float [B, C, H, W], changed in place; labels: int64 [B].
  /// Returns float [B, num_classes] targets on the images' device. Throws
  /// swinpp::Error when B is odd (timm requires an even batch), the shapes
  /// do not match, or labels on the CPU fall outside [0, num_classes) (labels
  /// on a device are not read, so that a step never waits for it).
  torch::Tensor apply(torch::Tensor& images, const torch::Tensor& labels, Generator& gen) const;

  /// The settings in use.
  const MixupOptions& options() const { return options_; }

 private:
  /// One draw of (lam, use_cutmix) as timm's _params_per_batch.
  std::pair<double, bool> draw_params(Generator& gen) const;
  /// One lambda for the batch; returns it as a scalar tensor.
  torch::Tensor mix_batch(torch::Tensor& images, Generator& gen) const;
  /// A lambda per element (or per mirrored pair); returns them as [B, 1].
  torch::Tensor mix_elements(torch::Tensor& images, bool pairs, Generator& gen) const;

  MixupOptions options_;
};

}  // namespace swinpp::data

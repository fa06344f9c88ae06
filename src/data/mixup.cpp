#include "swinpp/data/mixup.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "swinpp/util/error.h"

namespace swinpp::data {

namespace {

/// numpy's randint(lo, hi): uniform in [lo, hi), and lo when the range is empty.
int64_t randint_exclusive(Generator& gen, int64_t lo, int64_t hi) {
  return uniform_int(gen, lo, std::max(lo, hi - 1));
}

torch::Tensor smoothed_one_hot(const torch::Tensor& labels, int64_t num_classes, double off,
                               double on) {
  return torch::full({labels.size(0), num_classes}, off,
                     torch::TensorOptions().dtype(torch::kFloat32).device(labels.device()))
      .scatter_(1, labels.view({-1, 1}), on);  // [B, C]
}

torch::Tensor box_of(const torch::Tensor& image, const CutmixBox& box) {
  return image.slice(-2, box.y0, box.y1).slice(-1, box.x0, box.x1);  // [..., h, w]
}

}  // namespace

MixupMode parse_mixup_mode(const std::string& name) {
  if (name == "batch") return MixupMode::kBatch;
  if (name == "pair") return MixupMode::kPair;
  if (name == "elem") return MixupMode::kElem;
  throw Error("mixup mode (AUG.MIXUP_MODE): expected 'batch', 'pair' or 'elem', found '" + name +
              "'");
}

CutmixBox cutmix_box(int64_t height, int64_t width, double lam,
                     const std::optional<std::pair<double, double>>& minmax, bool correct_lam,
                     Generator& gen) {
  CutmixBox box;
  box.lam = lam;
  if (minmax) {
    const int64_t cut_h = randint_exclusive(gen, static_cast<int64_t>(height * minmax->first),
                                            static_cast<int64_t>(height * minmax->second));
    const int64_t cut_w = randint_exclusive(gen, static_cast<int64_t>(width * minmax->first),
                                            static_cast<int64_t>(width * minmax->second));
    box.y0 = randint_exclusive(gen, 0, height - cut_h);
    box.x0 = randint_exclusive(gen, 0, width - cut_w);
    box.y1 = box.y0 + cut_h;
    box.x1 = box.x0 + cut_w;
  } else {
    const double ratio = std::sqrt(1.0 - lam);
    const int64_t cut_h = static_cast<int64_t>(height * ratio);
    const int64_t cut_w = static_cast<int64_t>(width * ratio);
    const int64_t cy = randint_exclusive(gen, 0, height);
    const int64_t cx = randint_exclusive(gen, 0, width);
    box.y0 = std::clamp<int64_t>(cy - cut_h / 2, 0, height);
    box.y1 = std::clamp<int64_t>(cy + cut_h / 2, 0, height);
    box.x0 = std::clamp<int64_t>(cx - cut_w / 2, 0, width);
    box.x1 = std::clamp<int64_t>(cx + cut_w / 2, 0, width);
  }
  if (correct_lam || minmax) {
    const double area = static_cast<double>((box.y1 - box.y0) * (box.x1 - box.x0));
    box.lam = 1.0 - area / static_cast<double>(height * width);
  }
  return box;
}

torch::Tensor mixup_target(const torch::Tensor& labels, int64_t num_classes,
                           const torch::Tensor& lam, double smoothing) {
  const double off = smoothing / static_cast<double>(num_classes);
  const double on = 1.0 - smoothing + off;
  const torch::Tensor y1 = smoothed_one_hot(labels, num_classes, off, on);          // [B, C]
  const torch::Tensor y2 = smoothed_one_hot(labels.flip(0), num_classes, off, on);  // [B, C]
  // Drawn on the host; uploaded without waiting for the device.
  const torch::Tensor weight =
      lam.to(y1.device(), torch::kFloat32, /*non_blocking=*/true);  // [] or [B, 1]
  return y1 * weight + y2 * (1.0f - weight);                        // [B, C]
}

Mixup::Mixup(MixupOptions options) : options_(std::move(options)) {
  const MixupOptions& o = options_;
  if (o.cutmix_minmax) {
    options_.cutmix_alpha = 1.0;
    const auto [lo, hi] = *o.cutmix_minmax;
    if (!(lo >= 0.0 && lo < hi && hi <= 1.0)) {
      throw Error("mixup: expected 0 <= cutmix_minmax[0] < cutmix_minmax[1] <= 1, found [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
  if (o.mixup_alpha < 0.0 || o.cutmix_alpha < 0.0 ||
      (o.mixup_alpha == 0.0 && o.cutmix_alpha == 0.0) || o.prob < 0.0 || o.prob > 1.0 ||
      o.switch_prob < 0.0 || o.switch_prob > 1.0 || o.label_smoothing < 0.0 ||
      o.label_smoothing >= 1.0 || o.num_classes < 1) {
    throw Error(
        "mixup: expected alphas >= 0 with one > 0, prob and switch_prob in [0, 1], "
        "smoothing in [0, 1) and num_classes >= 1, found mixup_alpha " +
        std::to_string(o.mixup_alpha) + ", cutmix_alpha " + std::to_string(o.cutmix_alpha) +
        ", prob " + std::to_string(o.prob) + ", switch_prob " + std::to_string(o.switch_prob) +
        ", smoothing " + std::to_string(o.label_smoothing) + ", num_classes " +
        std::to_string(o.num_classes));
  }
}

std::pair<double, bool> Mixup::draw_params(Generator& gen) const {
  if (!(uniform01(gen) < options_.prob)) return {1.0, false};
  const double mixup = options_.mixup_alpha;
  const double cutmix = options_.cutmix_alpha;
  bool use_cutmix = false;
  if (mixup > 0.0 && cutmix > 0.0) {
    use_cutmix = uniform01(gen) < options_.switch_prob;
  } else {
    use_cutmix = cutmix > 0.0;
  }
  const double alpha = use_cutmix ? cutmix : mixup;
  return {beta_deviate(gen, alpha, alpha), use_cutmix};
}

torch::Tensor Mixup::apply(torch::Tensor& images, const torch::Tensor& labels,
                           Generator& gen) const {
  if (images.dim() != 4 || !images.is_floating_point() || labels.dim() != 1 ||
      labels.size(0) != images.size(0) || images.size(0) % 2 != 0) {
    throw Error("mixup: expected float images [B, C, H, W] and labels [B] with an even B, found " +
                std::to_string(images.dim()) + "-d images of batch " +
                std::to_string(images.dim() > 0 ? images.size(0) : 0) + " and " +
                std::to_string(labels.dim()) + "-d labels");
  }
  // Labels on the host are checked; labels already on a device are not read
  // (that would wait for it in every step): the training loader's labels are
  // in range by construction, checked against MODEL.NUM_CLASSES when the
  // dataset opens.
  if (labels.is_cpu() && labels.numel() > 0) {
    const torch::Tensor range =
        torch::stack({labels.min(), labels.max()}).to(torch::kInt64).contiguous();  // [2]
    const int64_t* bounds = range.data_ptr<int64_t>();
    if (bounds[0] < 0 || bounds[1] >= options_.num_classes)
      throw Error("mixup: expected labels in [0, " + std::to_string(options_.num_classes) +
                  "), found " + std::to_string(bounds[bounds[0] < 0 ? 0 : 1]) +
                  " (unlabelled data cannot be mixed)");
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor lam = options_.mode == MixupMode::kBatch
                                ? mix_batch(images, gen)
                                : mix_elements(images, options_.mode == MixupMode::kPair, gen);
  return mixup_target(labels.to(images.device(), torch::kInt64), options_.num_classes, lam,
                      options_.label_smoothing);
}

torch::Tensor Mixup::mix_batch(torch::Tensor& images, Generator& gen) const {
  auto [lam, use_cutmix] = draw_params(gen);
  if (lam != 1.0) {
    if (use_cutmix) {
      const CutmixBox box = cutmix_box(images.size(2), images.size(3), lam, options_.cutmix_minmax,
                                       options_.correct_lam, gen);
      box_of(images, box).copy_(box_of(images.flip(0), box));
      lam = box.lam;
    } else {
      const torch::Tensor flipped = images.flip(0).mul_(1.0 - lam);  // [B, C, H, W]
      images.mul_(lam).add_(flipped);
    }
  }
  return torch::tensor(static_cast<float>(lam));  // []
}

torch::Tensor Mixup::mix_elements(torch::Tensor& images, bool pairs, Generator& gen) const {
  const int64_t batch = images.size(0);
  const int64_t count = pairs ? batch / 2 : batch;
  const torch::Tensor original = images.clone();  // [B, C, H, W]
  std::vector<float> lams(static_cast<size_t>(batch), 1.0f);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = batch - i - 1;
    auto [lam, use_cutmix] = draw_params(gen);
    if (lam != 1.0) {
      if (use_cutmix) {
        const CutmixBox box = cutmix_box(images.size(2), images.size(3), lam,
                                         options_.cutmix_minmax, options_.correct_lam, gen);
        box_of(images[i], box).copy_(box_of(original[j], box));
        if (pairs) box_of(images[j], box).copy_(box_of(original[i], box));
        lam = box.lam;
      } else {
        images[i].copy_(original[i] * lam + original[j] * (1.0 - lam));
        if (pairs) images[j].copy_(original[j] * lam + original[i] * (1.0 - lam));
      }
    }
    lams[static_cast<size_t>(i)] = static_cast<float>(lam);
    if (pairs) lams[static_cast<size_t>(j)] = static_cast<float>(lam);
  }
  return torch::tensor(lams).view({batch, 1});  // [B, 1]
}

}  // namespace swinpp::data

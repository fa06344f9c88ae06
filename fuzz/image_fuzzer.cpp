/// Feeds each input as an encoded image (JPEG or PNG) to read_image_info and
/// decode_image at full size, then to TrainTransform::apply at 32 x 32 with the
/// fine-tuning recipe (RandAugment, random erasing), the SimMIM recipe and plain
/// crop-and-flip, each drawing from a generator seeded by the input. The decoded
/// size must match the header's and every output value must be finite.
/// swinpp::Error is the documented outcome for data that does not decode.

#include <cmath>
#include <cstdlib>
#include <vector>

#include "swinpp/data/image_decoder.h"
#include "swinpp/data/random.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/util/error.h"

namespace {

using swinpp::data::TrainTransform;
using swinpp::data::TrainTransformOptions;

/// Images whose header claims more pixels than this are skipped: decoding them
/// is slow by design (up to 2^28 pixels are accepted), not a defect.
constexpr long kMaxPixels = 1L << 22;

constexpr int kSize = 32;

const std::vector<TrainTransform>& transforms() {
  static const std::vector<TrainTransform> all = [] {
    TrainTransformOptions finetune;
    finetune.img_size = kSize;
    finetune.erasing.probability = 1.0;
    return std::vector<TrainTransform>{TrainTransform(finetune),
                                       TrainTransform(TrainTransformOptions::simmim(kSize)),
                                       TrainTransform(TrainTransformOptions::crop_flip(
                                           kSize, swinpp::data::Interpolation::kBicubic))};
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swinpp::data::ImageInfo info;
  try {
    info = swinpp::data::read_image_info(data, size, "input");
  } catch (const swinpp::Error&) {
    return 0;
  }
  if (static_cast<long>(info.width) * info.height > kMaxPixels) return 0;
  try {
    const swinpp::data::Image image = swinpp::data::decode_image(data, size, 0, 0, "input");
    if (image.width != info.width || image.height != info.height ||
        image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
      std::abort();
    }
  } catch (const swinpp::Error&) {
  }
  std::vector<float> out(3 * kSize * kSize);
  swinpp::data::Generator gen(size);
  for (const TrainTransform& transform : transforms()) {
    try {
      transform.apply(data, size, "input", gen, out.data());
    } catch (const swinpp::Error&) {
      continue;
    }
    for (const float value : out) {
      if (!std::isfinite(value)) std::abort();
    }
  }
  return 0;
}

// The decode-and-resample result before colour conversion, and the two ways
// out of it: interleaved RGB bytes (for the 8-bit augmentations) or, in one
// pass, the normalised float CHW sample (optionally mirrored).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "swinpp/data/decode_resampled.h"
#include "swinpp/data/image.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/image_tensor.h"
#include "swinpp/data/resample.h"

namespace swinpp::data {

/// Resampled pixels of width x height: JFIF YCbCr planes (count 3) or a luma
/// plane (count 1), each [height, width]; or interleaved RGB in planes[0]
/// ([height, width, 3], count 0).
struct ResampledPixels {
  int width = 0;
  int height = 0;
  int count = 0;
  std::array<std::vector<uint8_t>, 3> planes;
};

/// decode_resampled up to the colour conversion, reusing `out`'s memory.
void decode_resample_pixels(const uint8_t* data, size_t size, const ImageInfo& info,
                            const ResampleSpec& spec, const std::string& name, ResampledPixels& out,
                            DecodeFidelity fidelity = DecodeFidelity::kFast);

/// The RGB image (libjpeg's JFIF conversion for YCbCr).
Image to_rgb_image(const ResampledPixels& pixels);

/// Writes exactly normalize_to_chw(to_rgb_image(pixels)) to `out`, mirrored
/// left to right when `mirror`, without the intermediate image.
void to_normalized_chw(const ResampledPixels& pixels, const Normalization& normalization,
                       bool mirror, float* out);

}  // namespace swinpp::data

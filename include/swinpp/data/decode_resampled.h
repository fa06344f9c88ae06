#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "swinpp/data/image.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/resample.h"

namespace swinpp::data {

/// How decode_resampled may decode a JPEG.
enum class DecodeFidelity {
  kFast,  ///< reduced DCT scales and plane-wise resampling, as described below
  kPil,   ///< full size to RGB with libjpeg's defaults (accurate IDCT, smooth
          ///< chroma upsampling), as PIL decodes: resampling then gives what
          ///< PIL's decode + resize gives, up to rounding
};

/// Decodes an encoded image and resamples it as resample() would the fully
/// decoded image: `spec.box` is in full-size pixel coordinates (`info` is the
/// image's header, from read_image_info). The work is cut to what the output
/// needs: a JPEG is decoded at the smallest fast DCT scale that keeps the box
/// at least the output size (a scaled pixel i covering source pixels
/// [i, i + 1) * denom / num). A YCbCr or greyscale JPEG needing its full size
/// is not colour converted by the decoder: each plane is resampled at its own
/// resolution (chroma upsampling is part of the resampling) and converted to
/// RGB, with libjpeg's JFIF tables, at the output size only. Other images are
/// decoded to RGB and resampled. `fidelity` kPil turns the JPEG shortcuts off.
/// Throws swinpp::Error naming `name` for undecodable data.
Image decode_resampled(const uint8_t* data, size_t size, const ImageInfo& info,
                       const ResampleSpec& spec, const std::string& name,
                       DecodeFidelity fidelity = DecodeFidelity::kFast);

}  // namespace swinpp::data

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "swinpp/data/image.h"
#include "swinpp/data/image_decoder.h"
#include "swinpp/data/resample.h"

namespace swinpp::data {

/// Decodes an encoded image and resamples it as resample() would the fully
/// decoded image: `spec.box` is in full-size pixel coordinates (`info` is the
/// image's header, from read_image_info). The work is cut to what the output
/// needs: a JPEG is decoded at the smallest fast DCT scale that keeps the box
/// at least the output size (a scaled pixel i covering source pixels
/// [i, i + 1) * denom / num). A YCbCr or greyscale JPEG needing its full size
/// is not colour converted by the decoder: each plane is resampled at its own
/// resolution (chroma upsampling is part of the resampling) and converted to
/// RGB, with libjpeg's JFIF tables, at the output size only. Other images are
/// decoded to RGB and resampled. Throws swinpp::Error naming `name` for undecodable data.
Image decode_resampled(const uint8_t* data, size_t size, const ImageInfo& info,
                       const ResampleSpec& spec, const std::string& name);

}  // namespace swinpp::data

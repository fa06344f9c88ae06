#pragma once

#include <array>
#include <cstdint>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// An RGB colour for the area a geometric op uncovers.
using FillColor = std::array<uint8_t, 3>;

/// PIL's Image.transform(size, AFFINE, matrix, BICUBIC, fillcolor=fill):
/// output pixel (x, y) samples the source at (a X + b Y + c, d X + e Y + f)
/// with X = x + 0.5, Y = y + 0.5, using PIL's 4x4 geometric cubic (a = -1);
/// samples outside the source take `fill`. Same size as the source.
Image affine_transform(const Image& source, const std::array<double, 6>& matrix,
                       const FillColor& fill);

/// Image.rotate(degrees, BICUBIC, fillcolor=fill): counter-clockwise about the centre.
Image rotate(const Image& source, double degrees, const FillColor& fill);

/// timm's shear_x: affine (1, factor, 0, 0, 1, 0).
Image shear_x(const Image& source, double factor, const FillColor& fill);

/// timm's shear_y: affine (1, 0, 0, factor, 1, 0).
Image shear_y(const Image& source, double factor, const FillColor& fill);

/// timm's translate_x_rel: shift by fraction * width pixels (positive moves content left).
Image translate_x_relative(const Image& source, double fraction, const FillColor& fill);

/// timm's translate_y_rel: shift by fraction * height pixels (positive moves content up).
Image translate_y_relative(const Image& source, double fraction, const FillColor& fill);

}  // namespace swinpp::data

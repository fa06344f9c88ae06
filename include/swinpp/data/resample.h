#pragma once

#include <string>

#include "swinpp/data/image.h"

namespace swinpp::data {

/// Resampling filters, with PIL's kernels (bicubic a = -0.5) and PIL's
/// antialiasing: when shrinking, the kernel is widened by the scale factor.
enum class Interpolation { kBilinear, kBicubic };

/// Parses "bilinear" or "bicubic"; throws swinpp::Error naming the value otherwise.
Interpolation parse_interpolation(const std::string& name);

/// The lower-case name of `interpolation`.
const char* interpolation_name(Interpolation interpolation);

/// A rectangle of the source in pixel coordinates; edges may be fractional.
struct SourceBox {
  double x0 = 0.0;
  double y0 = 0.0;
  double x1 = 0.0;
  double y1 = 0.0;
};

/// What resample computes: the source box mapped onto an output of
/// out_width x out_height, of which only the window is produced.
struct ResampleSpec {
  SourceBox box;
  int out_width = 0;
  int out_height = 0;
  int window_x = 0;
  int window_y = 0;
  /// Window size; 0 means up to the output's right or bottom edge.
  int window_width = 0;
  int window_height = 0;
  Interpolation interpolation = Interpolation::kBicubic;
};

/// Resamples `source` as PIL's crop-then-resize does: the filter reads only
/// source pixels in [floor(box.x0), ceil(box.x1)) x [floor(box.y0), ceil(box.y1)),
/// so resampling the box of an integer crop equals resizing that crop. Only the
/// window's pixels are computed (a resize followed by a crop, in one pass).
/// Separable, horizontal pass first as in Pillow's C resampler (Pillow 13 sometimes
/// runs the vertical one first: one level apart), float weights, rounded to 8 bits
/// between the passes. Throws swinpp::Error on an empty box or window.
Image resample(const Image& source, const ResampleSpec& spec);

/// Resizes the whole image to width x height.
Image resize(const Image& source, int width, int height,
             Interpolation interpolation = Interpolation::kBicubic);

/// Mirrors the image left to right in place.
void flip_horizontal(Image& image);

}  // namespace swinpp::data

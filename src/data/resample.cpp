#include "swinpp/data/resample.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "pixel_plane.h"
#include "row_kernel.h"
#include "swinpp/util/error.h"
#include "transpose.h"

namespace swinpp::data {

namespace {

double bilinear_kernel(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

/// The taps of each output pixel along one axis: source index range and
/// normalised weights (PIL's precompute_coeffs, restricted to [lo, hi)).
struct AxisTaps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<float> weights;  // [outputs, stride]
  int stride = 0;
  int lowest = 0;   // smallest source index read
  int highest = 0;  // one past the largest source index read
};

AxisTaps compute_taps(double in0, double in1, int lo, int hi, int out_size, int out_first,
                      int out_count, Interpolation interpolation) {
  const double support_unit = interpolation == Interpolation::kBicubic ? 2.0 : 1.0;
  const auto kernel = interpolation == Interpolation::kBicubic ? bicubic_kernel : bilinear_kernel;
  const double scale = (in1 - in0) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = support_unit * filter_scale;
  AxisTaps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_count);
  taps.count.resize(out_count);
  taps.weights.assign(static_cast<size_t>(out_count) * taps.stride, 0.0f);
  taps.lowest = hi;
  taps.highest = lo;
  std::vector<double> w(taps.stride);
  for (int i = 0; i < out_count; ++i) {
    const double center = in0 + (out_first + i + 0.5) * scale;
    int xmin = std::max(static_cast<int>(std::floor(center - support + 0.5)), lo);
    int xmax = std::min(static_cast<int>(std::floor(center + support + 0.5)), hi);
    xmax = std::min(xmax, xmin + taps.stride);
    double total = 0.0;
    for (int x = xmin; x < xmax; ++x) {
      w[x - xmin] = kernel((x - center + 0.5) / filter_scale);
      total += w[x - xmin];
    }
    if (xmax <= xmin || total == 0.0) {
      // The box lies outside [lo, hi): take the nearest pixel inside.
      xmin = std::clamp(static_cast<int>(std::floor(center)), lo, hi - 1);
      xmax = xmin + 1;
      w[0] = total = 1.0;
    }
    taps.first[i] = xmin;
    taps.count[i] = xmax - xmin;
    for (int x = 0; x < xmax - xmin; ++x) {
      taps.weights[static_cast<size_t>(i) * taps.stride + x] = static_cast<float>(w[x] / total);
    }
    taps.lowest = std::min(taps.lowest, xmin);
    taps.highest = std::max(taps.highest, xmax);
  }
  return taps;
}

/// Applies `taps` along the rows of `src` (rows `src_stride` bytes apart, the
/// first `row_bytes` of each used): output row i combines source rows
/// first[i] - offset ..., written to out [outputs, row_bytes].
void filter_rows(const uint8_t* src, size_t src_stride, size_t row_bytes, int offset,
                 const AxisTaps& taps, uint8_t* out) {
  std::vector<const uint8_t*> rows(taps.stride);
  for (size_t i = 0; i < taps.first.size(); ++i) {
    for (int k = 0; k < taps.count[i]; ++k) {
      rows[k] = src + static_cast<size_t>(taps.first[i] - offset + k) * src_stride;
    }
    combine_rows(rows.data(), &taps.weights[i * taps.stride], taps.count[i], row_bytes,
                 out + i * row_bytes);
  }
}

/// Grow-only byte buffers reused by every resample call of a thread, so the
/// passes neither allocate nor zero memory per image.
class Scratch {
 public:
  uint8_t* get(size_t bytes) {
    if (bytes > capacity_) {
      buffer_.reset(new uint8_t[bytes]);
      capacity_ = bytes;
    }
    return buffer_.get();
  }

 private:
  std::unique_ptr<uint8_t[]> buffer_;
  size_t capacity_ = 0;
};

}  // namespace

Interpolation parse_interpolation(const std::string& name) {
  if (name == "bilinear") return Interpolation::kBilinear;
  if (name == "bicubic") return Interpolation::kBicubic;
  throw Error("interpolation: expected 'bilinear' or 'bicubic', found '" + name + "'");
}

const char* interpolation_name(Interpolation interpolation) {
  return interpolation == Interpolation::kBicubic ? "bicubic" : "bilinear";
}

void window_size(const ResampleSpec& spec, int* width, int* height) {
  *width = spec.window_width > 0 ? spec.window_width : spec.out_width - spec.window_x;
  *height = spec.window_height > 0 ? spec.window_height : spec.out_height - spec.window_y;
}

void resample_plane(const PixelPlane& plane, const ResampleSpec& spec, uint8_t* out) {
  const SourceBox& box = spec.box;
  int window_width = 0;
  int window_height = 0;
  window_size(spec, &window_width, &window_height);
  const int x_lo = std::max(0, static_cast<int>(std::floor(box.x0)));
  const int x_hi = std::min(plane.width, static_cast<int>(std::ceil(box.x1)));
  const int y_lo = std::max(0, static_cast<int>(std::floor(box.y0)));
  const int y_hi = std::min(plane.height, static_cast<int>(std::ceil(box.y1)));
  if (plane.width <= 0 || plane.height <= 0 || x_hi <= x_lo || y_hi <= y_lo || !(box.x1 > box.x0) ||
      !(box.y1 > box.y0) || spec.out_width <= 0 || spec.out_height <= 0 || window_width <= 0 ||
      window_height <= 0 || spec.window_x < 0 || spec.window_y < 0 ||
      spec.window_x + window_width > spec.out_width ||
      spec.window_y + window_height > spec.out_height) {
    throw Error("resample: expected a non-empty box inside the " + std::to_string(plane.width) +
                "x" + std::to_string(plane.height) + " source and a window inside the " +
                std::to_string(spec.out_width) + "x" + std::to_string(spec.out_height) +
                " output, found box (" + std::to_string(box.x0) + ", " + std::to_string(box.y0) +
                ", " + std::to_string(box.x1) + ", " + std::to_string(box.y1) + ")");
  }
  const AxisTaps horizontal = compute_taps(box.x0, box.x1, x_lo, x_hi, spec.out_width,
                                           spec.window_x, window_width, spec.interpolation);
  const AxisTaps vertical = compute_taps(box.y0, box.y1, y_lo, y_hi, spec.out_height, spec.window_y,
                                         window_height, spec.interpolation);
  const int channels = plane.channels;
  const int columns = horizontal.highest - horizontal.lowest;
  const int rows = vertical.highest - vertical.lowest;

  thread_local Scratch first_scratch;
  thread_local Scratch second_scratch;
  // Horizontal pass first, as PIL resamples (the order decides how an
  // overshoot clipped between the passes rounds): the source block the taps
  // read, [rows, columns, C], transposed to [columns, rows, C] and filtered as rows.
  const size_t column_bytes = static_cast<size_t>(rows) * channels;
  uint8_t* transposed = first_scratch.get(column_bytes * columns);
  transpose_pixels(plane.data + static_cast<size_t>(vertical.lowest) * plane.stride +
                       static_cast<size_t>(horizontal.lowest) * channels,
                   rows, columns, channels, transposed, plane.stride);
  uint8_t* columns_done = second_scratch.get(column_bytes * window_width);  // [W, rows, C]
  filter_rows(transposed, column_bytes, column_bytes, horizontal.lowest, horizontal, columns_done);
  // Vertical pass over the window's columns: [rows, W, C] -> [H, W, C].
  const size_t row_bytes = static_cast<size_t>(window_width) * channels;
  uint8_t* rows_in = first_scratch.get(row_bytes * rows);
  transpose_pixels(columns_done, window_width, rows, channels, rows_in);
  filter_rows(rows_in, row_bytes, row_bytes, vertical.lowest, vertical, out);
}

Image resample(const Image& source, const ResampleSpec& spec) {
  int window_width = 0;
  int window_height = 0;
  window_size(spec, &window_width, &window_height);
  Image out(std::max(window_width, 0), std::max(window_height, 0));
  resample_plane(PixelPlane{source.pixels.data(), source.width, source.height, source.stride(), 3},
                 spec, out.pixels.data());
  return out;
}

Image resize(const Image& source, int width, int height, Interpolation interpolation) {
  ResampleSpec spec;
  spec.box =
      SourceBox{0.0, 0.0, static_cast<double>(source.width), static_cast<double>(source.height)};
  spec.out_width = width;
  spec.out_height = height;
  spec.interpolation = interpolation;
  return resample(source, spec);
}

void flip_horizontal(Image& image) {
  for (int y = 0; y < image.height; ++y) {
    uint8_t* left = image.row(y);
    uint8_t* right = left + (static_cast<size_t>(image.width) - 1) * 3;
    for (; left < right; left += 3, right -= 3) {
      std::swap(left[0], right[0]);
      std::swap(left[1], right[1]);
      std::swap(left[2], right[2]);
    }
  }
}

}  // namespace swinpp::data

#include "swinpp/data/geometric_ops.h"

#include <algorithm>
#include <cmath>

namespace swinpp::data {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// PIL's geometric cubic through v1..v4 at fraction d (Geometry.c's BICUBIC).
double cubic(double v1, double v2, double v3, double v4, double d) {
  const double p1 = v2;
  const double p2 = -v1 + v3;
  const double p3 = 2.0 * (v1 - v2) + v3 - v4;
  const double p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

/// One bicubic sample at (xin, yin); false when outside the source.
bool sample_bicubic(const Image& source, double xin, double yin, uint8_t* out) {
  if (xin < 0.0 || xin >= source.width || yin < 0.0 || yin >= source.height) return false;
  xin -= 0.5;
  yin -= 0.5;
  const int x = static_cast<int>(std::floor(xin)) - 1;
  const int y = static_cast<int>(std::floor(yin)) - 1;
  const double dx = xin - std::floor(xin);
  const double dy = yin - std::floor(yin);
  int xs[4];
  for (int i = 0; i < 4; ++i) xs[i] = std::clamp(x + i, 0, source.width - 1) * 3;
  for (int c = 0; c < 3; ++c) {
    double v[4];
    // Row y is clamped; rows below the image repeat the previous row's value.
    for (int j = 0; j < 4; ++j) {
      const int row = y + j;
      if (j > 0 && (row < 0 || row >= source.height)) {
        v[j] = v[j - 1];
        continue;
      }
      const uint8_t* in = source.row(std::clamp(row, 0, source.height - 1)) + c;
      v[j] = cubic(in[xs[0]], in[xs[1]], in[xs[2]], in[xs[3]], dx);
    }
    const double value = cubic(v[0], v[1], v[2], v[3], dy);
    out[c] = value <= 0.0 ? 0 : value >= 255.0 ? 255 : static_cast<uint8_t>(value);
  }
  return true;
}

}  // namespace

Image affine_transform(const Image& source, const std::array<double, 6>& matrix,
                       const FillColor& fill) {
  Image out(source.width, source.height);
  const auto [a, b, c, d, e, f] = matrix;
  for (int y = 0; y < out.height; ++y) {
    const double yc = y + 0.5;
    uint8_t* p = out.row(y);
    for (int x = 0; x < out.width; ++x, p += 3) {
      const double xc = x + 0.5;
      if (!sample_bicubic(source, a * xc + b * yc + c, d * xc + e * yc + f, p)) {
        p[0] = fill[0];
        p[1] = fill[1];
        p[2] = fill[2];
      }
    }
  }
  return out;
}

Image rotate(const Image& source, double degrees, const FillColor& fill) {
  const double wrapped = std::fmod(std::fmod(degrees, 360.0) + 360.0, 360.0);
  if (wrapped == 0.0) return source;
  const double angle = -wrapped * kPi / 180.0;
  // PIL rounds the rotation matrix to 15 decimals.
  const auto round15 = [](double v) { return std::round(v * 1e15) / 1e15; };
  std::array<double, 6> m = {round15(std::cos(angle)),  round15(std::sin(angle)), 0.0,
                             round15(-std::sin(angle)), round15(std::cos(angle)), 0.0};
  const double cx = source.width / 2.0;
  const double cy = source.height / 2.0;
  m[2] = m[0] * -cx + m[1] * -cy + cx;
  m[5] = m[3] * -cx + m[4] * -cy + cy;
  return affine_transform(source, m, fill);
}

Image shear_x(const Image& source, double factor, const FillColor& fill) {
  return affine_transform(source, {1.0, factor, 0.0, 0.0, 1.0, 0.0}, fill);
}

Image shear_y(const Image& source, double factor, const FillColor& fill) {
  return affine_transform(source, {1.0, 0.0, 0.0, factor, 1.0, 0.0}, fill);
}

Image translate_x_relative(const Image& source, double fraction, const FillColor& fill) {
  return affine_transform(source, {1.0, 0.0, fraction * source.width, 0.0, 1.0, 0.0}, fill);
}

Image translate_y_relative(const Image& source, double fraction, const FillColor& fill) {
  return affine_transform(source, {1.0, 0.0, 0.0, 0.0, 1.0, fraction * source.height}, fill);
}

}  // namespace swinpp::data

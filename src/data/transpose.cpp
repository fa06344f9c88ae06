#include "transpose.h"

#include <algorithm>
#include <cstddef>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace swinpp::data {

namespace {

/// dst = transpose of src for the tile [r0, r1) x [c0, c1), pixel by pixel.
template <int C>
void transpose_tile(const uint8_t* src, size_t src_stride, int rows, int r0, int r1, int c0, int c1,
                    uint8_t* dst) {
  for (int r = r0; r < r1; ++r) {
    const uint8_t* s = src + static_cast<size_t>(r) * src_stride + static_cast<size_t>(c0) * C;
    uint8_t* d = dst + (static_cast<size_t>(c0) * rows + r) * C;
    for (int c = c0; c < c1; ++c, s += C, d += static_cast<size_t>(rows) * C) {
      for (int k = 0; k < C; ++k) d[k] = s[k];
    }
  }
}

/// Tiles of 32 x 32 pixels keep both sides in cache.
template <int C>
void transpose_tiled(const uint8_t* src, size_t src_stride, int rows, int cols, uint8_t* dst) {
  constexpr int kTile = 32;
  for (int r0 = 0; r0 < rows; r0 += kTile) {
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      transpose_tile<C>(src, src_stride, rows, r0, std::min(rows, r0 + kTile), c0,
                        std::min(cols, c0 + kTile), dst);
    }
  }
}

#if defined(__x86_64__)

/// One 16x16 byte block at (r0, c0) by four rounds of interleaving.
void transpose_block16(const uint8_t* src, size_t src_stride, int rows, int r0, int c0,
                       uint8_t* dst) {
  __m128i a[16];
  for (int i = 0; i < 16; ++i) {
    a[i] = _mm_loadu_si128(
        reinterpret_cast<const __m128i*>(src + static_cast<size_t>(r0 + i) * src_stride + c0));
  }
  __m128i b[16];
  for (int i = 0; i < 8; ++i) {
    b[2 * i] = _mm_unpacklo_epi8(a[2 * i], a[2 * i + 1]);
    b[2 * i + 1] = _mm_unpackhi_epi8(a[2 * i], a[2 * i + 1]);
  }
  // Rows 4g..4g+3: columns 0-3, 4-7, 8-11, 12-15 in a[4g..4g+3].
  for (int g = 0; g < 4; ++g) {
    const __m128i* p = b + 4 * g;
    a[4 * g + 0] = _mm_unpacklo_epi16(p[0], p[2]);
    a[4 * g + 1] = _mm_unpackhi_epi16(p[0], p[2]);
    a[4 * g + 2] = _mm_unpacklo_epi16(p[1], p[3]);
    a[4 * g + 3] = _mm_unpackhi_epi16(p[1], p[3]);
  }
  // Rows 8h..8h+7: column pairs (0,1), (2,3), ..., (14,15) in b[8h..8h+7].
  for (int h = 0; h < 2; ++h) {
    const __m128i* p = a + 8 * h;
    for (int q = 0; q < 4; ++q) {
      b[8 * h + 2 * q] = _mm_unpacklo_epi32(p[q], p[q + 4]);
      b[8 * h + 2 * q + 1] = _mm_unpackhi_epi32(p[q], p[q + 4]);
    }
  }
  for (int j = 0; j < 8; ++j) {
    const __m128i even = _mm_unpacklo_epi64(b[j], b[j + 8]);  // column 2j
    const __m128i odd = _mm_unpackhi_epi64(b[j], b[j + 8]);   // column 2j + 1
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + static_cast<size_t>(c0 + 2 * j) * rows + r0),
                     even);
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(dst + static_cast<size_t>(c0 + 2 * j + 1) * rows + r0), odd);
  }
}

void transpose_bytes(const uint8_t* src, size_t src_stride, int rows, int cols, uint8_t* dst) {
  const int full_rows = rows / 16 * 16;
  const int full_cols = cols / 16 * 16;
  for (int r0 = 0; r0 < full_rows; r0 += 16) {
    for (int c0 = 0; c0 < full_cols; c0 += 16)
      transpose_block16(src, src_stride, rows, r0, c0, dst);
  }
  transpose_tile<1>(src, src_stride, rows, 0, full_rows, full_cols, cols, dst);
  transpose_tile<1>(src, src_stride, rows, full_rows, rows, 0, cols, dst);
}

#else

void transpose_bytes(const uint8_t* src, size_t src_stride, int rows, int cols, uint8_t* dst) {
  transpose_tiled<1>(src, src_stride, rows, cols, dst);
}

#endif

}  // namespace

void transpose_pixels(const uint8_t* src, int rows, int cols, int channels, uint8_t* dst,
                      size_t src_stride) {
  if (src_stride == 0) src_stride = static_cast<size_t>(cols) * channels;
  if (channels == 1) {
    transpose_bytes(src, src_stride, rows, cols, dst);
  } else {
    transpose_tiled<3>(src, src_stride, rows, cols, dst);
  }
}

}  // namespace swinpp::data

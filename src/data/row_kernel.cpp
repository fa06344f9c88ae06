#include "row_kernel.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace swinpp::data {

namespace {

void combine_rows_scalar(const uint8_t* const* rows, const float* weights, int taps, size_t n,
                         uint8_t* out) {
  for (size_t i = 0; i < n; ++i) {
    float acc = 0.5f;
    for (int k = 0; k < taps; ++k) acc = acc + weights[k] * static_cast<float>(rows[k][i]);
    out[i] = static_cast<uint8_t>(std::clamp(acc, 0.0f, 255.0f));
  }
}

#if defined(__x86_64__)

/// Outputs [i, i + 8) with SSE2, the x86-64 baseline.
inline void combine8_sse2(const uint8_t* const* rows, const float* weights, int taps, size_t i,
                          uint8_t* out) {
  const __m128i zero = _mm_setzero_si128();
  __m128 acc_lo = _mm_set1_ps(0.5f);
  __m128 acc_hi = acc_lo;
  for (int k = 0; k < taps; ++k) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[k] + i));
    const __m128i words = _mm_unpacklo_epi8(bytes, zero);
    const __m128 w = _mm_set1_ps(weights[k]);
    acc_lo = _mm_add_ps(acc_lo, _mm_mul_ps(w, _mm_cvtepi32_ps(_mm_unpacklo_epi16(words, zero))));
    acc_hi = _mm_add_ps(acc_hi, _mm_mul_ps(w, _mm_cvtepi32_ps(_mm_unpackhi_epi16(words, zero))));
  }
  const __m128 lowest = _mm_setzero_ps();
  const __m128 highest = _mm_set1_ps(255.0f);
  acc_lo = _mm_min_ps(_mm_max_ps(acc_lo, lowest), highest);
  acc_hi = _mm_min_ps(_mm_max_ps(acc_hi, lowest), highest);
  const __m128i packed = _mm_packs_epi32(_mm_cvttps_epi32(acc_lo), _mm_cvttps_epi32(acc_hi));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi16(packed, packed));
}

/// Eight outputs per step; a ragged end is covered by one last step that
/// overlaps the previous one (same values written twice).
void combine_rows_sse2(const uint8_t* const* rows, const float* weights, int taps, size_t n,
                       uint8_t* out) {
  if (n < 8) {
    combine_rows_scalar(rows, weights, taps, n, out);
    return;
  }
  size_t i = 0;
  for (; i + 8 <= n; i += 8) combine8_sse2(rows, weights, taps, i, out);
  if (i < n) combine8_sse2(rows, weights, taps, n - 8, out);
}

/// Outputs [i, i + 16) with AVX2.
__attribute__((target("avx2"))) inline void combine16_avx2(const uint8_t* const* rows,
                                                           const float* weights, int taps, size_t i,
                                                           uint8_t* out) {
  __m256 acc_lo = _mm256_set1_ps(0.5f);
  __m256 acc_hi = acc_lo;
  for (int k = 0; k < taps; ++k) {
    const uint8_t* row = rows[k] + i;
    const __m256 w = _mm256_set1_ps(weights[k]);
    const __m256 lo = _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row))));
    const __m256 hi = _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 8))));
    acc_lo = _mm256_add_ps(acc_lo, _mm256_mul_ps(w, lo));
    acc_hi = _mm256_add_ps(acc_hi, _mm256_mul_ps(w, hi));
  }
  const __m256 lowest = _mm256_setzero_ps();
  const __m256 highest = _mm256_set1_ps(255.0f);
  acc_lo = _mm256_min_ps(_mm256_max_ps(acc_lo, lowest), highest);
  acc_hi = _mm256_min_ps(_mm256_max_ps(acc_hi, lowest), highest);
  // packus works within 128-bit lanes: reorder the 64-bit quarters after it.
  const __m256i words = _mm256_permute4x64_epi64(
      _mm256_packus_epi32(_mm256_cvttps_epi32(acc_lo), _mm256_cvttps_epi32(acc_hi)), 0xD8);
  const __m128i bytes =
      _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), bytes);
}

/// Sixteen outputs per step, the ragged end as in combine_rows_sse2.
__attribute__((target("avx2"))) void combine_rows_avx2(const uint8_t* const* rows,
                                                       const float* weights, int taps, size_t n,
                                                       uint8_t* out) {
  if (n < 16) {
    combine_rows_sse2(rows, weights, taps, n, out);
    return;
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) combine16_avx2(rows, weights, taps, i, out);
  if (i < n) combine16_avx2(rows, weights, taps, n - 16, out);
}

#endif

}  // namespace

void combine_rows(const uint8_t* const* rows, const float* weights, int taps, size_t n,
                  uint8_t* out) {
#if defined(__x86_64__)
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  if (has_avx2) {
    combine_rows_avx2(rows, weights, taps, n, out);
  } else {
    combine_rows_sse2(rows, weights, taps, n, out);
  }
#else
  combine_rows_scalar(rows, weights, taps, n, out);
#endif
}

}  // namespace swinpp::data

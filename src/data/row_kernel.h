// The inner loop of resampling, with SIMD paths for x86-64 (SSE2 always,
// AVX2 when the CPU has it). Every path sums in the same order without fused
// multiply-add, so all give bit-identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace swinpp::data {

/// out[i] = clamp(round(sum_k weights[k] * rows[k][i]), 0, 255) for i < n,
/// summed in float from 0.5 and truncated, taps in order.
void combine_rows(const uint8_t* const* rows, const float* weights, int taps, size_t n,
                  uint8_t* out);

}  // namespace swinpp::data

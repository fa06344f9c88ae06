// Transposition of pixel matrices, the step that lets both resampling passes
// run over contiguous rows.
#pragma once

#include <cstddef>
#include <cstdint>

namespace swinpp::data {

/// dst [cols, rows, channels] = transpose of src [rows, cols, channels], for
/// 1 or 3 channels; single bytes move in 16x16 SSE2 blocks on x86-64.
/// src's rows lie `src_stride` bytes apart (0: cols * channels, contiguous).
void transpose_pixels(const uint8_t* src, int rows, int cols, int channels, uint8_t* dst,
                      size_t src_stride = 0);

}  // namespace swinpp::data

// Reading and writing the safetensors format: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then
// the raw little-endian tensor bytes.
#pragma once

#include <cstddef>
#include <string>

#include "swinpp/io/tensor_map.h"

namespace swinpp::io {

/// Reads every tensor of the safetensors file at `path` onto the CPU.
///
/// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL. Every field of
/// the header is checked against the file before any byte is read: header length
/// against the file size, each tensor's data_offsets against the data section, the
/// byte length against numel * itemsize, non-negative shapes, known dtypes and
/// unique names. A malformed or truncated file throws swinpp::Error naming the file
/// and the tensor or field at fault.
///
/// When `metadata` is given it receives the "__metadata__" string map (empty if the
/// file has none).
TensorMap load_safetensors(const std::string& path, StringMap* metadata = nullptr);

/// Parses a safetensors file held in memory (`size` bytes at `data`), with the same
/// checks as load_safetensors. `source_name` names the buffer in error messages.
/// The returned tensors own copies of their bytes.
TensorMap parse_safetensors(const void* data, std::size_t size,
                            const std::string& source_name = "<memory>",
                            StringMap* metadata = nullptr);

/// Writes `tensors` to `path` in the safetensors format, in name order, each one
/// contiguous and on the CPU, with `metadata` as "__metadata__". The header is padded
/// with spaces so that the data section starts 8-byte aligned. The file is written
/// atomically: to PATH.tmp, flushed to disk, then renamed over PATH.
/// Throws swinpp::Error for an undefined tensor, an unsupported dtype or an I/O failure.
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const StringMap& metadata = {});

/// The bytes that save_safetensors would write for `tensors` and `metadata`.
std::string serialize_safetensors(const TensorMap& tensors, const StringMap& metadata = {});

}  // namespace swinpp::io

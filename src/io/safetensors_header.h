// The JSON header of a safetensors file: validation on read, encoding on write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swinpp/io/tensor_map.h"

namespace swinpp::io::detail {

/// Bytes before the JSON header: its length as a little-endian u64.
constexpr std::uint64_t kSafetensorsLengthBytes = 8;

/// Largest JSON header accepted (the reference implementation's limit).
constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100u << 20;

/// One tensor of a validated header. Offsets are relative to the data section.
struct SafetensorsEntry {
  std::string name;
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

/// A validated header: every entry lies inside a data section of `data_size` bytes.
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;
  StringMap metadata;
  std::uint64_t data_start = 0;  ///< offset of the data section from the start of the file
};

/// Decodes the 8-byte little-endian header length.
std::uint64_t decode_header_length(const unsigned char* bytes);

/// Checks a header length read from a file of `file_size` bytes; throws swinpp::Error
/// naming `source` when it cannot fit.
void check_header_length(std::uint64_t header_length, std::uint64_t file_size,
                         const std::string& source);

/// Parses and validates `json_text`, the header of a file of `file_size` bytes.
/// Throws swinpp::Error naming `source` and the tensor or field at fault.
SafetensorsHeader parse_safetensors_header(std::string_view json_text, std::uint64_t file_size,
                                           const std::string& source);

/// The 8-byte length followed by the JSON header (space padded so that the data
/// section starts 8-byte aligned) describing `tensors` laid out back to back in
/// name order. Throws swinpp::Error for an undefined tensor or an unsupported dtype.
std::string encode_safetensors_header(const TensorMap& tensors, const StringMap& metadata);

}  // namespace swinpp::io::detail

#include "safetensors_header.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "swinpp/util/error.h"

namespace swinpp::io::detail {

namespace {

struct DtypeCode {
  const char* name;
  torch::ScalarType type;
};

// The safetensors dtype names LibTorch can represent.
constexpr std::array<DtypeCode, 10> kDtypeCodes{{
    {"F64", torch::kFloat64},
    {"F32", torch::kFloat32},
    {"F16", torch::kFloat16},
    {"BF16", torch::kBFloat16},
    {"I64", torch::kInt64},
    {"I32", torch::kInt32},
    {"I16", torch::kInt16},
    {"I8", torch::kInt8},
    {"U8", torch::kUInt8},
    {"BOOL", torch::kBool},
}};

std::optional<torch::ScalarType> dtype_from_name(const std::string& name) {
  for (const auto& code : kDtypeCodes) {
    if (name == code.name) return code.type;
  }
  return std::nullopt;
}

std::optional<std::string> name_from_dtype(torch::ScalarType type) {
  for (const auto& code : kDtypeCodes) {
    if (type == code.type) return std::string(code.name);
  }
  return std::nullopt;
}

std::string describe(std::string_view source) {
  return "safetensors file '" + std::string(source) + "'";
}

/// Reads a JSON value that must be a non-negative integer.
std::uint64_t unsigned_field(const nlohmann::json& value, const std::string& context) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer()) throw Error(context + " is negative: " + value.dump());
  throw Error(context + " is not an integer: " + value.dump());
}

SafetensorsEntry parse_entry(const std::string& name, const nlohmann::json& value,
                             std::uint64_t data_size, const std::string& where) {
  const std::string context = where + ": tensor '" + name + "'";
  if (!value.is_object()) throw Error(context + ": entry is not a JSON object: " + value.dump());
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) throw Error(context + ": missing field '" + field + "'");
  }
  SafetensorsEntry entry;
  entry.name = name;

  const auto& dtype = value.at("dtype");
  if (!dtype.is_string()) throw Error(context + ": dtype is not a string: " + dtype.dump());
  const auto type = dtype_from_name(dtype.get<std::string>());
  if (!type) {
    throw Error(context + ": unknown dtype " + dtype.dump() +
                " (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
  }
  entry.dtype = *type;

  const auto& shape = value.at("shape");
  if (!shape.is_array()) throw Error(context + ": shape is not an array: " + shape.dump());
  std::uint64_t numel = 1;
  for (const auto& dim : shape) {
    const std::uint64_t size = unsigned_field(dim, context + ": shape dimension");
    if (size > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(numel, size, &numel)) {
      throw Error(context + ": shape " + shape.dump() + " overflows the element count");
    }
    entry.shape.push_back(static_cast<int64_t>(size));
  }
  std::uint64_t byte_length = 0;
  if (__builtin_mul_overflow(numel, torch::elementSize(entry.dtype), &byte_length)) {
    throw Error(context + ": shape " + shape.dump() + " overflows the byte count");
  }

  const auto& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2) {
    throw Error(context + ": data_offsets must be [begin, end], found " + offsets.dump());
  }
  entry.begin = unsigned_field(offsets[0], context + ": data_offsets begin");
  entry.end = unsigned_field(offsets[1], context + ": data_offsets end");
  if (entry.begin > entry.end) {
    throw Error(context + ": data_offsets " + offsets.dump() + " end before they begin");
  }
  if (entry.end > data_size) {
    throw Error(context + ": data_offsets " + offsets.dump() + " run past the end of the data (" +
                std::to_string(data_size) + " bytes); the file is truncated or corrupt");
  }
  if (entry.end - entry.begin != byte_length) {
    throw Error(context + ": data_offsets " + offsets.dump() + " span " +
                std::to_string(entry.end - entry.begin) + " bytes but " + dtype.get<std::string>() +
                " of shape " + shape.dump() + " needs " + std::to_string(byte_length) + " bytes");
  }
  return entry;
}

/// Throws when two non-empty tensors share bytes of the data section.
void check_no_overlap(const std::vector<SafetensorsEntry>& entries, const std::string& where) {
  std::vector<const SafetensorsEntry*> by_begin;
  for (const SafetensorsEntry& entry : entries)
    if (entry.end > entry.begin) by_begin.push_back(&entry);
  std::sort(
      by_begin.begin(), by_begin.end(),
      [](const SafetensorsEntry* a, const SafetensorsEntry* b) { return a->begin < b->begin; });
  const auto range = [](const SafetensorsEntry& e) {
    return "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ")";
  };
  for (std::size_t i = 1; i < by_begin.size(); ++i) {
    const SafetensorsEntry& previous = *by_begin[i - 1];
    const SafetensorsEntry& next = *by_begin[i];
    if (next.begin < previous.end)
      throw Error(where + ": the data_offsets of tensors '" + previous.name + "' " +
                  range(previous) + " and '" + next.name + "' " + range(next) + " overlap");
  }
}

StringMap parse_metadata(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) {
    throw Error(where + ": __metadata__ must be an object of strings, found " + value.dump());
  }
  StringMap metadata;
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string()) {
      throw Error(where + ": __metadata__ entry '" + key + "' is not a string: " + text.dump());
    }
    metadata.emplace(key, text.get<std::string>());
  }
  return metadata;
}

}  // namespace

std::uint64_t decode_header_length(const unsigned char* bytes) {
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[i];
  return length;
}

void check_header_length(std::uint64_t header_length, std::uint64_t file_size,
                         const std::string& source) {
  if (file_size < kSafetensorsLengthBytes) {
    throw Error(describe(source) + " is truncated: " + std::to_string(file_size) +
                " bytes, too short for the 8-byte header length");
  }
  if (header_length > file_size - kSafetensorsLengthBytes) {
    throw Error(describe(source) + ": header length " + std::to_string(header_length) +
                " exceeds the file size (" + std::to_string(file_size) +
                " bytes); the file is truncated or not safetensors");
  }
  if (header_length > kSafetensorsMaxHeaderBytes) {
    throw Error(describe(source) + ": header length " + std::to_string(header_length) +
                " exceeds the limit of " + std::to_string(kSafetensorsMaxHeaderBytes) + " bytes");
  }
}

SafetensorsHeader parse_safetensors_header(std::string_view json_text, std::uint64_t file_size,
                                           const std::string& source) {
  const std::string where = describe(source);
  check_header_length(json_text.size(), file_size, source);

  // nlohmann::json keeps the last of duplicate keys silently: catch them while parsing.
  std::set<std::string> names;
  std::optional<std::string> duplicate;
  const auto track_names = [&](int depth, nlohmann::json::parse_event_t event,
                               nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && !duplicate) {
      auto name = parsed.get<std::string>();
      if (!names.insert(name).second) duplicate = std::move(name);
    }
    return true;
  };
  nlohmann::json header;
  try {
    header =
        nlohmann::json::parse(json_text.data(), json_text.data() + json_text.size(), track_names);
  } catch (const nlohmann::json::exception& error) {
    throw Error(where + ": malformed JSON header: " + error.what());
  }
  if (duplicate) throw Error(where + ": duplicate tensor name '" + *duplicate + "' in the header");
  if (!header.is_object()) {
    throw Error(where + ": header is not a JSON object but " + std::string(header.type_name()));
  }

  SafetensorsHeader result;
  result.data_start = kSafetensorsLengthBytes + json_text.size();
  const std::uint64_t data_size = file_size - result.data_start;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      result.metadata = parse_metadata(value, where);
    } else {
      result.entries.push_back(parse_entry(name, value, data_size, where));
    }
  }
  check_no_overlap(result.entries, where);
  return result;
}

std::string encode_safetensors_header(const TensorMap& tensors, const StringMap& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__")
      throw Error("safetensors: '__metadata__' is not a valid tensor name");
    if (!tensor.defined()) throw Error("safetensors: tensor '" + name + "' is undefined");
    const auto dtype = name_from_dtype(tensor.scalar_type());
    if (!dtype) {
      throw Error("safetensors: tensor '" + name + "' has dtype " +
                  std::string(c10::toString(tensor.scalar_type())) +
                  ", which safetensors cannot store");
    }
    const std::uint64_t byte_length = tensor.numel() * tensor.element_size();
    header[name] = {{"dtype", *dtype},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + byte_length}}};
    offset += byte_length;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& error) {
    throw Error(std::string("safetensors: cannot encode the header: ") + error.what());
  }
  const std::size_t unaligned = (kSafetensorsLengthBytes + text.size()) % 8;
  if (unaligned != 0) text.append(8 - unaligned, ' ');

  std::string encoded(kSafetensorsLengthBytes, '\0');
  std::uint64_t length = text.size();
  for (std::size_t i = 0; i < kSafetensorsLengthBytes; ++i) {
    encoded[i] = static_cast<char>(length & 0xff);
    length >>= 8;
  }
  return encoded + text;
}

}  // namespace swinpp::io::detail

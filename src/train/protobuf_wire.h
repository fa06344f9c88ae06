// Protocol-buffer wire encoding of the few messages swinpp writes (TensorBoard
// events), field by field (internal to src/train).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace swinpp::train {

/// Appends fields in protocol-buffer wire format to a byte string: varints
/// (wire type 0), 64-bit (1), length-delimited (2) and 32-bit (5) fields.
/// Nested messages are encoded on their own and added as bytes.
class ProtoWriter {
 public:
  /// int32/int64/enum field: a varint (negative values as ten bytes, as protobuf does).
  ProtoWriter& varint(int field, int64_t value) {
    key(field, 0);
    put_varint(static_cast<uint64_t>(value));
    return *this;
  }
  /// double field, little-endian.
  ProtoWriter& float64(int field, double value) {
    key(field, 1);
    put_fixed(&value, 8);
    return *this;
  }
  /// float field, little-endian.
  ProtoWriter& float32(int field, float value) {
    key(field, 5);
    put_fixed(&value, 4);
    return *this;
  }
  /// string, bytes or nested-message field.
  ProtoWriter& bytes(int field, const std::string& value) {
    key(field, 2);
    put_varint(value.size());
    out_ += value;
    return *this;
  }
  /// The encoded message.
  const std::string& str() const { return out_; }

 private:
  void key(int field, int wire_type) {
    put_varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
  }
  void put_varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
    out_.push_back(static_cast<char>(v));
  }
  void put_fixed(const void* value, size_t size) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "wire format is little-endian");
    char buffer[8];
    std::memcpy(buffer, value, size);
    out_.append(buffer, size);
  }

  std::string out_;
};

}  // namespace swinpp::train

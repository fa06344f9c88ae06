// Builds small pickle programs and torch.save-style zip archives byte by byte, to
// test the .pth reader on inputs that torch.save would never produce.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caffe2/serialize/inline_container.h>

namespace swinpp::io::testing {

/// Appends pickle opcodes (protocol 2) to a byte string.
class PickleWriter {
 public:
  PickleWriter& proto() { return op("\x80\x02"); }
  PickleWriter& mark() { return op("("); }
  PickleWriter& stop() { return op("."); }
  PickleWriter& empty_dict() { return op("}"); }
  PickleWriter& empty_tuple() { return op(")"); }
  PickleWriter& tuple() { return op("t"); }
  PickleWriter& set_item() { return op("s"); }
  PickleWriter& set_items() { return op("u"); }
  PickleWriter& reduce() { return op("R"); }
  PickleWriter& build() { return op("b"); }
  PickleWriter& persistent_id() { return op("Q"); }
  PickleWriter& new_false() { return op("\x89"); }
  PickleWriter& global(const std::string& module, const std::string& name) {
    return op("c" + module + "\n" + name + "\n");
  }
  PickleWriter& string(const std::string& text) {
    bytes_ += 'X';
    little_endian(text.size(), 4);
    bytes_ += text;
    return *this;
  }
  PickleWriter& integer(int32_t value) {
    bytes_ += 'J';
    little_endian(static_cast<uint32_t>(value), 4);
    return *this;
  }
  PickleWriter& raw(const std::string& bytes) { return op(bytes); }

  /// torch._utils._rebuild_tensor_v2 over storage `key` of `numel` elements of `storage_class`.
  PickleWriter& tensor(const std::string& key, const std::string& storage_class, int32_t numel,
                       int32_t offset, const std::vector<int32_t>& sizes,
                       const std::vector<int32_t>& strides) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().string("storage").global("torch", storage_class).string(key).string("cpu");
    integer(numel).tuple().persistent_id();
    integer(offset);
    mark();
    for (int32_t size : sizes) integer(size);
    tuple().mark();
    for (int32_t stride : strides) integer(stride);
    tuple().new_false().global("collections", "OrderedDict").empty_tuple().reduce();
    return tuple().reduce();
  }

  const std::string& bytes() const { return bytes_; }

 private:
  PickleWriter& op(const std::string& bytes) {
    bytes_ += bytes;
    return *this;
  }
  void little_endian(uint64_t value, int count) {
    for (int i = 0; i < count; ++i, value >>= 8) bytes_ += static_cast<char>(value & 0xff);
  }

  std::string bytes_;
};

/// A record of the archive: its name inside the archive folder and its bytes.
struct ArchiveRecord {
  std::string name;
  std::string bytes;
};

/// Writes a torch.save-style zip archive: data.pkl = `pickle`, plus `records`.
inline void write_archive(const std::string& path, const std::string& pickle,
                          const std::vector<ArchiveRecord>& records = {}) {
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  for (const auto& record : records) {
    writer.writeRecord(record.name, record.bytes.data(), record.bytes.size());
  }
  writer.writeEndOfFile();
}

/// The little-endian bytes of `values`.
template <class T>
std::string raw_bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

}  // namespace swinpp::io::testing

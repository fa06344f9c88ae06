// A pickle reader that understands only what torch.save writes for a state dict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pickle_value.h"

namespace swinpp::io::detail {

/// Loads the storage `key` of `numel` elements of `dtype` as a 1-D CPU tensor.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, int64_t numel)>;

/// Unpickles the data.pkl record of a torch.save zip archive without executing
/// anything: the opcodes of pickle protocols 2-4 that torch.save emits for
/// containers, numbers and strings, and only the globals a state dict needs
/// (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter,
/// torch.*Storage). Persistent ids ('storage', type, key, location, numel) are
/// resolved through `load_storage`, once per key, so tensors that share a storage
/// share memory. Any other global or opcode, a truncated stream or an out-of-range
/// view is a swinpp::Error naming `source`, the byte offset and what was found.
class RestrictedUnpickler {
 public:
  RestrictedUnpickler(std::string_view bytes, std::string source, StorageLoader load_storage);

  /// Runs the pickle program to its STOP and returns the top-level object.
  PickleValue run();

 private:
  [[noreturn]] void fail(const std::string& what) const;
  const char* take(std::size_t count);
  uint64_t take_unsigned(std::size_t count);
  std::string take_line();

  PickleValue pop();
  PickleValue& top();
  PickleValue::Items pop_to_mark();
  void push_tuple(PickleValue::Items items);
  void push_global(const std::string& module, const std::string& name);
  void memo_put(uint64_t index);
  void memo_get(uint64_t index);
  void set_items(PickleValue::Items items);
  void append_items(PickleValue::Items items);
  void reduce();
  void build();
  void persistent_load();
  PickleValue rebuild_tensor(const PickleValue::Items& args) const;

  std::string_view bytes_;
  std::string source_;
  StorageLoader load_storage_;
  std::size_t position_ = 0;
  std::size_t opcode_position_ = 0;
  std::vector<PickleValue> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, PickleValue> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

}  // namespace swinpp::io::detail

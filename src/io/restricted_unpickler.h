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

/// The error text for a global a state dict may not hold, listing those it may.
std::string global_not_allowed(const std::string& global);

/// Unpickles the data.pkl record of a torch.save zip archive without executing
/// anything: the opcodes of pickle protocols 2-5 that torch.save emits for
/// objects, containers, numbers and strings. Only the globals a state dict needs
/// are built (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
/// _rebuild_parameter, torch.*Storage); any other global, and every object made
/// from one (REDUCE, NEWOBJ, BUILD, SETITEMS, APPENDS on it), becomes an inert
/// placeholder naming it, as do sets and bytes, so that a training checkpoint
/// whose other entries hold a configuration object still yields its state dict.
/// The caller refuses placeholders where it expects tensors (global_not_allowed).
/// Persistent ids ('storage', type, key, location, numel) are resolved through
/// `load_storage`, once per key, so tensors that share a storage share memory. An
/// unknown opcode, a truncated stream or an out-of-range view is a swinpp::Error
/// naming `source`, the byte offset and what was found.
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
  /// Fails when `container` (the items or entries of the list or dict being
  /// filled) is reachable from `item`: the pickle would build a reference cycle,
  /// which shared ownership could never free.
  void refuse_cycle(const PickleValue& item, const void* container, const char* kind);
  void set_items(PickleValue::Items items);
  void append_items(PickleValue::Items items);
  void reduce();
  void new_object(PickleValue cls);
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
  std::size_t cycle_check_steps_ = 0;
};

}  // namespace swinpp::io::detail

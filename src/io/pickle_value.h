// The Python objects a torch.save state dict is made of, as the restricted
// unpickler builds them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace swinpp::io::detail {

/// One unpickled object. Containers are shared (Python reference semantics), so a
/// memoised dict filled later by SETITEMS is the same object wherever it was fetched.
struct PickleValue {
  enum class Kind {
    none,
    boolean,
    integer,
    floating,
    string,
    tuple,
    list,
    dict,
    global,
    storage,
    tensor,
    /// An object made from a global outside the allowed set (the global itself,
    /// an instance of it, or what a call to it returns), a set or bytes: an
    /// inert placeholder named by `text` ("module.name"). Nothing is called or
    /// built for it, and what would fill it is dropped.
    placeholder
  };
  using Items = std::vector<PickleValue>;
  using Entries = std::vector<std::pair<PickleValue, PickleValue>>;

  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0.0;
  /// The value of a string, or "module.name" of a global or placeholder.
  std::string text;
  /// Elements of a tuple or list.
  std::shared_ptr<Items> items;
  /// Key/value pairs of a dict, in assignment order; a key assigned twice appears twice
  /// and, as in Python, the later assignment is the one that counts.
  std::shared_ptr<Entries> entries;
  /// A whole storage as a 1-D tensor, or a tensor (a view of a storage).
  torch::Tensor tensor;

  PickleValue() = default;
  PickleValue(const PickleValue&) = default;
  PickleValue(PickleValue&&) = default;
  PickleValue& operator=(const PickleValue&) = default;
  PickleValue& operator=(PickleValue&&) = default;

  /// Containers nest as deep as the pickle says (one byte per level): the
  /// elements of the containers this value alone owns are released one level at
  /// a time, so that destroying a deeply nested value cannot overflow the stack.
  ~PickleValue() {
    if (!owns_elements()) return;
    std::vector<PickleValue> released;
    move_elements_into(released);
    while (!released.empty()) {
      PickleValue value = std::move(released.back());
      released.pop_back();
      value.move_elements_into(released);
    }
  }

  static PickleValue of_kind(Kind kind) {
    PickleValue value;
    value.kind = kind;
    if (kind == Kind::tuple || kind == Kind::list) value.items = std::make_shared<Items>();
    if (kind == Kind::dict) value.entries = std::make_shared<Entries>();
    return value;
  }

  /// A placeholder for `name` ("module.name").
  static PickleValue placeholder_for(std::string name) {
    PickleValue value = of_kind(Kind::placeholder);
    value.text = std::move(name);
    return value;
  }

  bool is(Kind expected) const { return kind == expected; }

  /// The Python name of this value's type, for error messages.
  const char* type_name() const {
    switch (kind) {
      case Kind::none:
        return "None";
      case Kind::boolean:
        return "bool";
      case Kind::integer:
        return "int";
      case Kind::floating:
        return "float";
      case Kind::string:
        return "str";
      case Kind::tuple:
        return "tuple";
      case Kind::list:
        return "list";
      case Kind::dict:
        return "dict";
      case Kind::global:
        return "global";
      case Kind::storage:
        return "storage";
      case Kind::tensor:
        return "tensor";
      case Kind::placeholder:
        return "placeholder";
    }
    return "unknown";
  }

 private:
  /// True when this value is the last owner of a non-empty container.
  bool owns_elements() const {
    return (items && items.use_count() == 1 && !items->empty()) ||
           (entries && entries.use_count() == 1 && !entries->empty());
  }

  /// Moves the elements of the containers this value alone owns to `out`.
  void move_elements_into(std::vector<PickleValue>& out) {
    if (!owns_elements()) return;
    if (items && items.use_count() == 1) {
      for (PickleValue& item : *items) out.push_back(std::move(item));
      items->clear();
    }
    if (entries && entries.use_count() == 1) {
      for (auto& [key, value] : *entries) {
        out.push_back(std::move(key));
        out.push_back(std::move(value));
      }
      entries->clear();
    }
  }
};

}  // namespace swinpp::io::detail

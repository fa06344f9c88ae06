#include "restricted_unpickler.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "swinpp/util/error.h"

namespace swinpp::io::detail {

namespace {

using Kind = PickleValue::Kind;

// Opcodes of the pickle protocol (CPython's Lib/pickle.py names).
enum Opcode : unsigned char {
  kMark = '(',
  kStop = '.',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kEmptyList = ']',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kSetItems = 'u',
  kEmptyDict = '}',
  kEmptyTuple = ')',
  kBinFloat = 'G',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kEmptySet = 0x8f,
  kAddItems = 0x90,
  kFrozenSet = 0x91,
  kNewObjEx = 0x92,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
  kByteArray8 = 0x96,
};

constexpr int kHighestProtocol = 5;

/// Containers visited, over a whole pickle, looking for reference cycles.
constexpr std::size_t kMaxCycleCheckSteps = 50'000'000;

std::optional<torch::ScalarType> storage_dtype(const std::string& class_name) {
  static const std::map<std::string, torch::ScalarType> kStorages{
      {"DoubleStorage", torch::kFloat64}, {"FloatStorage", torch::kFloat32},
      {"HalfStorage", torch::kFloat16},   {"BFloat16Storage", torch::kBFloat16},
      {"LongStorage", torch::kInt64},     {"IntStorage", torch::kInt32},
      {"ShortStorage", torch::kInt16},    {"CharStorage", torch::kInt8},
      {"ByteStorage", torch::kUInt8},     {"BoolStorage", torch::kBool},
  };
  const auto found = kStorages.find(class_name);
  if (found == kStorages.end()) return std::nullopt;
  return found->second;
}

}  // namespace

std::string global_not_allowed(const std::string& global) {
  return "global '" + global +
         "' is not allowed in a state dict (allowed: collections.OrderedDict, "
         "torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage)";
}

RestrictedUnpickler::RestrictedUnpickler(std::string_view bytes, std::string source,
                                         StorageLoader load_storage)
    : bytes_(bytes), source_(std::move(source)), load_storage_(std::move(load_storage)) {}

void RestrictedUnpickler::fail(const std::string& what) const {
  throw Error(source_ + ": pickle byte " + std::to_string(opcode_position_) + ": " + what);
}

const char* RestrictedUnpickler::take(std::size_t count) {
  if (count > bytes_.size() - position_) {
    fail("truncated: needs " + std::to_string(count) + " more bytes, " +
         std::to_string(bytes_.size() - position_) + " left");
  }
  const char* data = bytes_.data() + position_;
  position_ += count;
  return data;
}

uint64_t RestrictedUnpickler::take_unsigned(std::size_t count) {
  const auto* data = reinterpret_cast<const unsigned char*>(take(count));
  uint64_t value = 0;
  for (std::size_t i = count; i > 0; --i) value = (value << 8) | data[i - 1];
  return value;
}

std::string RestrictedUnpickler::take_line() {
  const std::size_t end = bytes_.find('\n', position_);
  if (end == std::string_view::npos) fail("truncated: a GLOBAL name has no line end");
  std::string line(bytes_.substr(position_, end - position_));
  position_ = end + 1;
  return line;
}

PickleValue RestrictedUnpickler::pop() {
  if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
    fail("stack underflow");
  }
  PickleValue value = std::move(stack_.back());
  stack_.pop_back();
  return value;
}

PickleValue& RestrictedUnpickler::top() {
  if (stack_.empty()) fail("stack underflow");
  return stack_.back();
}

PickleValue::Items RestrictedUnpickler::pop_to_mark() {
  if (marks_.empty()) fail("no MARK on the stack");
  const std::size_t mark = marks_.back();
  marks_.pop_back();
  PickleValue::Items items(std::make_move_iterator(stack_.begin() + mark),
                           std::make_move_iterator(stack_.end()));
  stack_.resize(mark);
  return items;
}

void RestrictedUnpickler::push_tuple(PickleValue::Items items) {
  PickleValue tuple = PickleValue::of_kind(Kind::tuple);
  *tuple.items = std::move(items);
  stack_.push_back(std::move(tuple));
}

void RestrictedUnpickler::push_global(const std::string& module, const std::string& name) {
  const bool allowed = (module == "collections" && name == "OrderedDict") ||
                       (module == "torch._utils" &&
                        (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter")) ||
                       (module == "torch" && storage_dtype(name).has_value());
  if (!allowed) {
    stack_.push_back(PickleValue::placeholder_for(module + "." + name));
    return;
  }
  PickleValue global = PickleValue::of_kind(Kind::global);
  global.text = module + "." + name;
  stack_.push_back(std::move(global));
}

void RestrictedUnpickler::memo_put(uint64_t index) { memo_[index] = top(); }

void RestrictedUnpickler::memo_get(uint64_t index) {
  const auto found = memo_.find(index);
  if (found == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
  stack_.push_back(found->second);
}

void RestrictedUnpickler::refuse_cycle(const PickleValue& item, const void* container,
                                       const char* kind) {
  if (!item.items && !item.entries) return;
  std::vector<const PickleValue*> pending{&item};
  std::unordered_set<const void*> visited;
  while (!pending.empty()) {
    const PickleValue* value = pending.back();
    pending.pop_back();
    const void* own = value->items ? static_cast<const void*>(value->items.get())
                                   : static_cast<const void*>(value->entries.get());
    if (own == nullptr || !visited.insert(own).second) continue;
    if (own == container)
      fail(std::string("a ") + kind +
           " that contains itself (a state dict holds no reference cycles)");
    if (++cycle_check_steps_ > kMaxCycleCheckSteps)
      fail("more shared containers than a state dict holds");
    if (value->items)
      for (const PickleValue& element : *value->items) pending.push_back(&element);
    if (value->entries) {
      for (const auto& [key, element] : *value->entries) {
        pending.push_back(&key);
        pending.push_back(&element);
      }
    }
  }
}

void RestrictedUnpickler::set_items(PickleValue::Items items) {
  if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
  PickleValue& target = top();
  if (target.is(Kind::placeholder)) return;
  if (!target.is(Kind::dict)) fail(std::string("SETITEM on a value of type ") + target.type_name());
  // Only a dict referenced from elsewhere too (the memo) can end up inside its items.
  if (target.entries.use_count() > 1)
    for (const PickleValue& item : items) refuse_cycle(item, target.entries.get(), "dict");
  for (std::size_t i = 0; i < items.size(); i += 2) {
    target.entries->emplace_back(std::move(items[i]), std::move(items[i + 1]));
  }
}

void RestrictedUnpickler::append_items(PickleValue::Items items) {
  PickleValue& target = top();
  if (target.is(Kind::placeholder)) return;
  if (!target.is(Kind::list)) fail(std::string("APPEND on a value of type ") + target.type_name());
  if (target.items.use_count() > 1)
    for (const PickleValue& item : items) refuse_cycle(item, target.items.get(), "list");
  for (auto& item : items) target.items->push_back(std::move(item));
}

void RestrictedUnpickler::reduce() {
  PickleValue args = pop();
  PickleValue callable = pop();
  if (!args.is(Kind::tuple)) fail(std::string("REDUCE arguments of type ") + args.type_name());
  if (callable.is(Kind::placeholder)) {
    stack_.push_back(PickleValue::placeholder_for(callable.text));
    return;
  }
  if (!callable.is(Kind::global))
    fail(std::string("REDUCE calls a value of type ") + callable.type_name());
  const auto& arguments = *args.items;
  if (callable.text == "collections.OrderedDict") {
    if (!arguments.empty()) fail("collections.OrderedDict called with arguments");
    stack_.push_back(PickleValue::of_kind(Kind::dict));
  } else if (callable.text == "torch._utils._rebuild_tensor_v2") {
    stack_.push_back(rebuild_tensor(arguments));
  } else if (callable.text == "torch._utils._rebuild_parameter") {
    if (arguments.size() != 3 || !arguments[0].is(Kind::tensor)) {
      fail("torch._utils._rebuild_parameter expects (tensor, requires_grad, hooks)");
    }
    stack_.push_back(arguments[0]);
  } else {
    fail("'" + callable.text + "' cannot be called");
  }
}

void RestrictedUnpickler::new_object(PickleValue cls) {
  if (!cls.is(Kind::placeholder))
    fail(std::string("NEWOBJ of a value of type ") + cls.type_name() +
         (cls.is(Kind::global) ? " '" + cls.text + "'" : std::string()));
  stack_.push_back(PickleValue::placeholder_for(cls.text));
}

void RestrictedUnpickler::build() {
  pop();  // the state: for an OrderedDict, attributes such as _metadata, not needed here
  const PickleValue& target = top();
  if (!target.is(Kind::dict) && !target.is(Kind::placeholder))
    fail(std::string("BUILD on a value of type ") + target.type_name());
}

void RestrictedUnpickler::persistent_load() {
  const PickleValue pid = pop();
  if (!pid.is(Kind::tuple) || pid.items->size() != 5) {
    fail("persistent id is not ('storage', type, key, location, numel)");
  }
  const auto& fields = *pid.items;
  if (!fields[0].is(Kind::string) || fields[0].text != "storage") {
    fail("persistent id of an unknown kind (expected 'storage')");
  }
  const std::string type_name = fields[1].is(Kind::global) ? fields[1].text : "";
  const auto dtype =
      type_name.rfind("torch.", 0) == 0 ? storage_dtype(type_name.substr(6)) : std::nullopt;
  if (!dtype) fail("persistent id names no torch storage type");
  if (!fields[2].is(Kind::string) || !fields[4].is(Kind::integer) || fields[4].integer < 0) {
    fail("persistent id needs a string key and a non-negative element count");
  }
  const std::string& key = fields[2].text;
  auto found = storages_.find(key);
  if (found == storages_.end()) {
    found = storages_.emplace(key, load_storage_(key, *dtype, fields[4].integer)).first;
  } else if (found->second.scalar_type() != *dtype) {
    fail("storage '" + key + "' is referenced as " + type_name + " and as another type");
  }
  PickleValue storage = PickleValue::of_kind(Kind::storage);
  storage.tensor = found->second;
  stack_.push_back(std::move(storage));
}

PickleValue RestrictedUnpickler::rebuild_tensor(const PickleValue::Items& args) const {
  if ((args.size() != 6 && args.size() != 7) || !args[0].is(Kind::storage) ||
      !args[1].is(Kind::integer) || !args[2].is(Kind::tuple) || !args[3].is(Kind::tuple)) {
    fail("_rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, hooks)");
  }
  const torch::Tensor& storage = args[0].tensor;
  const int64_t offset = args[1].integer;
  const auto& size_items = *args[2].items;
  const auto& stride_items = *args[3].items;
  if (size_items.size() != stride_items.size()) fail("tensor size and stride differ in length");
  std::vector<int64_t> sizes, strides;
  bool empty = false;
  int64_t last = offset;  // the highest element index the view touches
  for (std::size_t i = 0; i < size_items.size(); ++i) {
    if (!size_items[i].is(Kind::integer) || !stride_items[i].is(Kind::integer) ||
        size_items[i].integer < 0 || stride_items[i].integer < 0) {
      fail("tensor size and stride must be non-negative integers");
    }
    sizes.push_back(size_items[i].integer);
    strides.push_back(stride_items[i].integer);
    int64_t reach = 0;
    if (sizes.back() == 0) {
      empty = true;
    } else if (__builtin_mul_overflow(sizes.back() - 1, strides.back(), &reach) ||
               __builtin_add_overflow(last, reach, &last)) {
      fail("tensor view overflows");
    }
  }
  const int64_t numel = storage.numel();
  if (offset < 0 || offset > numel || (!empty && last >= numel)) {
    fail("tensor view (offset " + std::to_string(offset) + ", size " +
         c10::str(c10::IntArrayRef(sizes)) + ", stride " + c10::str(c10::IntArrayRef(strides)) +
         ") runs outside its storage of " + std::to_string(numel) + " elements");
  }
  PickleValue tensor = PickleValue::of_kind(Kind::tensor);
  tensor.tensor = storage.as_strided(sizes, strides, offset);
  return tensor;
}

PickleValue RestrictedUnpickler::run() {
  while (true) {
    opcode_position_ = position_;
    const auto opcode = static_cast<unsigned char>(*take(1));
    switch (opcode) {
      case kProto: {
        const auto version = take_unsigned(1);
        if (version > kHighestProtocol) fail("pickle protocol " + std::to_string(version));
        break;
      }
      case kFrame:
        take_unsigned(8);
        break;
      case kStop: {
        PickleValue result = pop();
        return result;
      }
      case kMark:
        marks_.push_back(stack_.size());
        break;
      case kNone:
        stack_.push_back(PickleValue{});
        break;
      case kNewTrue:
      case kNewFalse: {
        PickleValue value = PickleValue::of_kind(Kind::boolean);
        value.boolean = opcode == kNewTrue;
        stack_.push_back(std::move(value));
        break;
      }
      case kBinInt:
      case kBinInt1:
      case kBinInt2:
      case kLong1: {
        PickleValue value = PickleValue::of_kind(Kind::integer);
        if (opcode == kBinInt) {
          value.integer = static_cast<int32_t>(take_unsigned(4));
        } else if (opcode == kLong1) {
          const auto length = take_unsigned(1);
          if (length > 8) fail("integer of " + std::to_string(length) + " bytes is too large");
          const uint64_t bits = take_unsigned(length);
          const unsigned shift = 64 - 8 * static_cast<unsigned>(length);
          value.integer = length == 0 ? 0 : static_cast<int64_t>(bits << shift) >> shift;
        } else {
          value.integer = static_cast<int64_t>(take_unsigned(opcode == kBinInt1 ? 1 : 2));
        }
        stack_.push_back(std::move(value));
        break;
      }
      case kBinFloat: {
        const auto* data = reinterpret_cast<const unsigned char*>(take(8));
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | data[i];  // big endian
        PickleValue value = PickleValue::of_kind(Kind::floating);
        std::memcpy(&value.floating, &bits, sizeof(bits));
        stack_.push_back(std::move(value));
        break;
      }
      case kBinUnicode:
      case kShortBinUnicode: {
        const auto length = take_unsigned(opcode == kBinUnicode ? 4 : 1);
        PickleValue value = PickleValue::of_kind(Kind::string);
        value.text.assign(take(length), length);
        stack_.push_back(std::move(value));
        break;
      }
      case kBinUnicode8: {
        const auto length = take_unsigned(8);
        PickleValue value = PickleValue::of_kind(Kind::string);
        value.text.assign(take(length), length);
        stack_.push_back(std::move(value));
        break;
      }
      case kShortBinBytes:
      case kBinBytes:
      case kBinBytes8:
      case kByteArray8: {
        const std::size_t width = opcode == kShortBinBytes ? 1 : opcode == kBinBytes ? 4 : 8;
        take(take_unsigned(width));
        stack_.push_back(PickleValue::placeholder_for(opcode == kByteArray8 ? "builtins.bytearray"
                                                                            : "builtins.bytes"));
        break;
      }
      case kEmptySet:
        stack_.push_back(PickleValue::placeholder_for("builtins.set"));
        break;
      case kAddItems:
        pop_to_mark();
        if (!top().is(Kind::placeholder))
          fail(std::string("ADDITEMS on a value of type ") + top().type_name());
        break;
      case kFrozenSet:
        pop_to_mark();
        stack_.push_back(PickleValue::placeholder_for("builtins.frozenset"));
        break;
      case kPop:
        pop();
        break;
      case kPopMark:
        pop_to_mark();
        break;
      case kDup:
        stack_.push_back(top());
        break;
      case kNewObj: {
        pop();  // the arguments
        new_object(pop());
        break;
      }
      case kNewObjEx: {
        pop();  // the keyword arguments
        pop();  // the arguments
        new_object(pop());
        break;
      }
      case kEmptyTuple:
        push_tuple({});
        break;
      case kTuple:
        push_tuple(pop_to_mark());
        break;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        PickleValue::Items items(opcode - kTuple1 + 1);
        for (auto item = items.rbegin(); item != items.rend(); ++item) *item = pop();
        push_tuple(std::move(items));
        break;
      }
      case kEmptyList:
        stack_.push_back(PickleValue::of_kind(Kind::list));
        break;
      case kEmptyDict:
        stack_.push_back(PickleValue::of_kind(Kind::dict));
        break;
      case kAppend: {
        PickleValue::Items items;
        items.push_back(pop());
        append_items(std::move(items));
        break;
      }
      case kAppends:
        append_items(pop_to_mark());
        break;
      case kSetItem: {
        PickleValue::Items items(2);
        items[1] = pop();
        items[0] = pop();
        set_items(std::move(items));
        break;
      }
      case kSetItems:
        set_items(pop_to_mark());
        break;
      case kBinPut:
        memo_put(take_unsigned(1));
        break;
      case kLongBinPut:
        memo_put(take_unsigned(4));
        break;
      case kMemoize:
        memo_put(memo_.size());
        break;
      case kBinGet:
        memo_get(take_unsigned(1));
        break;
      case kLongBinGet:
        memo_get(take_unsigned(4));
        break;
      case kGlobal: {
        const std::string module = take_line();
        const std::string name = take_line();
        push_global(module, name);
        break;
      }
      case kStackGlobal: {
        const PickleValue name = pop();
        const PickleValue module = pop();
        if (!name.is(Kind::string) || !module.is(Kind::string)) fail("STACK_GLOBAL of non-strings");
        push_global(module.text, name.text);
        break;
      }
      case kReduce:
        reduce();
        break;
      case kBuild:
        build();
        break;
      case kBinPersId:
        persistent_load();
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x", opcode);
        fail(std::string("unsupported pickle opcode ") + hex + " in a state dict");
      }
    }
  }
}

}  // namespace swinpp::io::detail

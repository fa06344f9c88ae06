// Counts, on the thread that creates it, the operators that make the host wait
// for a device when called from swinpp (not from inside another operator):
// .item() and every tensor-to-number or tensor-to-bool conversion
// (aten::item, aten::_local_scalar_dense, aten::is_nonzero, aten::equal,
// aten::allclose) and the operators whose output size depends on the values
// (nonzero, masked_select, unique). On the CPU these are the reads a step
// would make of a GPU. Not counted: reads inside an operator (the CPU fused
// AdamW kernel reads its step counts; the CUDA one does not) and copies to the
// host (.cpu()); on a GPU host CUDA's sync debug mode catches those.
#pragma once

#include <ATen/record_function.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <thread>

namespace swinpp::testing {

class DeviceReadCounter {
 public:
  DeviceReadCounter() {
    reads() = 0;
    owner() = std::this_thread::get_id();
    depth() = 0;
    handle_ = at::addGlobalCallback(
        at::RecordFunctionCallback(
            [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
              if (std::this_thread::get_id() != owner() || !is_aten(fn)) return nullptr;
              if (depth()++ == 0 && is_read(fn.name())) ++reads();
              return nullptr;
            },
            [](const at::RecordFunction& fn, at::ObserverContext*) {
              if (std::this_thread::get_id() == owner() && is_aten(fn)) --depth();
            })
            .scopes({at::RecordScope::FUNCTION}));
  }
  ~DeviceReadCounter() { at::removeCallback(handle_); }
  DeviceReadCounter(const DeviceReadCounter&) = delete;
  DeviceReadCounter& operator=(const DeviceReadCounter&) = delete;

  /// Reads counted since construction.
  int64_t count() const { return reads().load(); }

 private:
  static bool is_aten(const at::RecordFunction& fn) {
    return std::string_view(fn.name()).rfind("aten::", 0) == 0;
  }
  static bool is_read(std::string_view name) {
    static constexpr std::array<std::string_view, 10> kReads = {"aten::item",
                                                                "aten::_local_scalar_dense",
                                                                "aten::is_nonzero",
                                                                "aten::equal",
                                                                "aten::allclose",
                                                                "aten::nonzero",
                                                                "aten::masked_select",
                                                                "aten::_unique2",
                                                                "aten::unique_consecutive",
                                                                "aten::unique_dim"};
    for (const std::string_view read : kReads)
      if (name == read) return true;
    return false;
  }
  static std::atomic<int64_t>& reads() {
    static std::atomic<int64_t> value{0};
    return value;
  }
  static std::thread::id& owner() {
    static std::thread::id id;
    return id;
  }
  static int& depth() {
    static int value = 0;
    return value;
  }
  at::CallbackHandle handle_;
};

}  // namespace swinpp::testing

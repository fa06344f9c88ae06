/// Feeds each input as the data.pkl record of a torch.save archive to
/// RestrictedUnpickler, with storages of any dtype and size up to 2^20 elements
/// resolved to zero-filled tensors (larger ones fail as a missing record would).
/// swinpp::Error is the documented outcome for a pickle it does not accept.

#include <torch/torch.h>

#include <set>
#include <string_view>
#include <vector>

#include "restricted_unpickler.h"
#include "swinpp/util/error.h"

namespace {

/// Sums every tensor reachable from `root`, which reads each of their elements.
/// Iterative, and each container is visited once: a pickle may nest deeply or
/// build cycles.
void touch_tensors(const swinpp::io::detail::PickleValue& root) {
  std::set<const void*> seen;
  std::vector<const swinpp::io::detail::PickleValue*> pending{&root};
  while (!pending.empty()) {
    const swinpp::io::detail::PickleValue& value = *pending.back();
    pending.pop_back();
    if (value.tensor.defined() && value.tensor.numel() > 0) {
      (void)value.tensor.sum().item<double>();
    }
    if (value.entries && seen.insert(value.entries.get()).second) {
      for (const auto& [key, item] : *value.entries) {
        pending.push_back(&key);
        pending.push_back(&item);
      }
    }
    if (value.items && seen.insert(value.items.get()).second) {
      for (const auto& item : *value.items) pending.push_back(&item);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kMaxStorageElements = int64_t{1} << 20;
  const auto load_storage = [](const std::string& key, torch::ScalarType dtype, int64_t numel) {
    if (numel < 0 || numel > kMaxStorageElements) {
      throw swinpp::Error("storage '" + key + "' of " + std::to_string(numel) +
                          " elements has no record");
    }
    return torch::zeros({numel}, torch::dtype(dtype));
  };
  try {
    swinpp::io::detail::RestrictedUnpickler unpickler(
        std::string_view(reinterpret_cast<const char*>(data), size), "data.pkl", load_storage);
    touch_tensors(unpickler.run());
  } catch (const swinpp::Error&) {
  }
  return 0;
}

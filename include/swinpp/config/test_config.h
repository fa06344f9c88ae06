#pragma once

#include <tuple>

namespace swinpp::config {

/// TEST: evaluation.
struct TestConfig {
  /// TEST.CROP: resize to IMG_SIZE * 256/224 then centre crop; false = resize directly.
  bool crop = true;
  /// TEST.SEQUENTIAL: every process evaluates the whole set in order instead of a share.
  bool sequential = false;
  /// TEST.SHUFFLE: shuffle the evaluation set before it is shared out.
  bool shuffle = false;

  /// Every field, for comparisons.
  auto fields() const { return std::tie(crop, sequential, shuffle); }
};

/// True when every field is equal.
inline bool operator==(const TestConfig& a, const TestConfig& b) {
  return a.fields() == b.fields();
}
/// True when any field differs.
inline bool operator!=(const TestConfig& a, const TestConfig& b) { return !(a == b); }

}  // namespace swinpp::config

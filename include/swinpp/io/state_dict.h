// Copying named tensors into a torch::nn::Module and back out of it.
#pragma once

#include <string>
#include <vector>

#include "swinpp/io/tensor_map.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace swinpp::io {

/// How load_state_dict treats differences between the module and the tensors.
struct LoadOptions {
  /// Throw when anything is missing, unexpected or mismatched.
  bool strict = false;
  /// Leave a parameter whose shape differs from the file's untouched (e.g. a
  /// classification head of another size) and report it, instead of throwing.
  bool skip_mismatched = false;
};

/// A name whose shape in the file differs from the module's.
struct ShapeMismatch {
  std::string name;
  std::vector<int64_t> expected;  ///< the module's shape
  std::vector<int64_t> found;     ///< the file's shape
};

/// What load_state_dict did.
struct LoadReport {
  /// Names copied from the tensors into the module.
  std::vector<std::string> loaded;
  /// In the module but not in the tensors (derived buffers excepted).
  std::vector<std::string> missing;
  /// In the tensors but not in the module (derived buffers excepted).
  std::vector<std::string> unexpected;
  /// In both with different shapes; left as they were in the module.
  std::vector<ShapeMismatch> mismatched;

  /// True when every parameter and buffer was loaded and nothing was left over.
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }

  /// A readable listing of the missing, unexpected and mismatched names.
  std::string summary() const;
};

/// Copies `tensors` into the parameters and buffers of `module` (names as given by
/// named_parameters() / named_buffers(), e.g. "layers.0.blocks.0.attn.qkv.weight"),
/// converting each to the dtype and device of its destination, without recording
/// gradients. Derived buffers (relative_coords_table, relative_position_index,
/// attn_mask) are never taken from the tensors: the model recomputes them, so they
/// count neither as missing nor as unexpected.
///
/// Every check happens before any copy, so on a throw the module is unchanged. Throws
/// swinpp::Error listing the offenders when a shape differs and
/// `options.skip_mismatched` is false, or when `options.strict` is set and anything is
/// missing, unexpected or mismatched.
LoadReport load_state_dict(torch::nn::Module& module, const TensorMap& tensors,
                           const LoadOptions& options = {});

/// The parameters and buffers of `module` (all of them, derived buffers included),
/// detached and copied to contiguous CPU tensors.
TensorMap state_dict_of(const torch::nn::Module& module);

}  // namespace swinpp::io

// Loading of the reference cases in tests/data/golden (see its README.md).
#pragma once

#include <torch/torch.h>

#include <string>

#include "swinpp/io/tensor_map.h"
#include "swinpp/model/simmim.h"
#include "swinpp/model/swinv2_options.h"

namespace swinpp::testing {

/// One golden case: its configuration and reference tensors.
struct GoldenCase {
  std::string name;       ///< e.g. "cls_tiny64"
  SwinV2Options options;  ///< from CASE.json
  SimMIMOptions simmim;   ///< from CASE.json (SimMIM cases)
  io::TensorMap io;       ///< CASE.io.safetensors
  std::string path(
      const std::string& suffix) const;  ///< $SWINPP_GOLDEN_DIR (else the build's) /CASE + suffix
};

/// Reads CASE.json and CASE.io.safetensors.
GoldenCase load_golden_case(const std::string& name);

/// max |ours - ref| / max |ref|; max |ours - ref| when ref is all zeros.
double relative_error(const torch::Tensor& ours, const torch::Tensor& ref);

}  // namespace swinpp::testing

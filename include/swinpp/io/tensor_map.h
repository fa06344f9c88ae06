// The one container of named tensors that every checkpoint reader and writer
// of swinpp::io takes and returns.
#pragma once

#include <map>
#include <string>

#include <torch/types.h>

namespace swinpp::io {

/// Tensors by name, such as a model's state dict ("layers.0.blocks.0.attn.qkv.weight" ->
/// tensor). Ordered by name, so that iteration and the files written from it are
/// deterministic whatever order the tensors were produced in.
using TensorMap = std::map<std::string, torch::Tensor>;

/// Free-form string metadata stored alongside the tensors of a file (safetensors'
/// "__metadata__").
using StringMap = std::map<std::string, std::string>;

}  // namespace swinpp::io

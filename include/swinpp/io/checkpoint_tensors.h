// One entry point for reading the tensors of a checkpoint file of either format.
#pragma once

#include <string>

#include "swinpp/io/tensor_map.h"

namespace swinpp::io {

/// Reads the tensors of the checkpoint at `path`, whichever format it is in, telling
/// them apart by content rather than by extension: a zip archive ("PK") is read as a
/// torch.save .pth (its "model" entry, or the top-level state dict), anything whose
/// first 8 bytes are a plausible safetensors header length followed by '{' as
/// safetensors. Throws swinpp::Error naming the file when it is neither, or when the
/// format's reader finds it malformed.
TensorMap load_checkpoint_tensors(const std::string& path);

}  // namespace swinpp::io

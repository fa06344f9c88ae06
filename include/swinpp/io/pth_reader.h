// Import of PyTorch checkpoints written by torch.save (the zip format of torch >= 1.6),
// such as the officially released SwinV2 and SimMIM weights.
#pragma once

#include <string>

#include "swinpp/io/tensor_map.h"

namespace swinpp::io {

/// Reads the state dict stored in the torch.save zip archive at `path`.
///
/// The archive's top-level object must be a dict. When it has the key `entry`
/// ("model" in released checkpoints, or "state_dict", "model_ema"), that entry is
/// the state dict; otherwise, when the top-level dict itself maps names to tensors
/// (a bare `torch.save(model.state_dict())`), it is returned. Tensors come back on
/// the CPU with their saved dtype, shape and strides; tensors saved as views of
/// one storage share memory.
///
/// Nothing in the file is executed: the pickle is read by a restricted unpickler that
/// accepts only the objects a state dict is made of. A file that is not a zip
/// archive, a pickle that references any other global (e.g. os.system) or uses an
/// unknown opcode, a missing or short storage record, or a selected entry that is
/// not name -> tensor throws swinpp::Error naming the file and the culprit.
TensorMap load_pth_state_dict(const std::string& path, const std::string& entry = "model");

/// True when the file at `path` starts like a zip archive ("PK\x03\x04"), the
/// container torch.save writes. Throws swinpp::Error when it cannot be read.
bool is_zip_file(const std::string& path);

}  // namespace swinpp::io

// Key layouts of SwinV2 state dicts: the official (microsoft/Swin-Transformer)
// names that swinpp's model uses, timm's names, and SimMIM's wrapped encoder.
#pragma once

#include <string>

#include "swinpp/io/tensor_map.h"

namespace swinpp::io {

/// The naming scheme of a SwinV2 state dict.
enum class Layout {
  /// microsoft/Swin-Transformer: `layers.I.downsample.*` ends stage I, `head.weight`.
  official,
  /// timm >= 0.9 swinv2_*: `layers.I.downsample.*` starts stage I (I >= 1), `head.fc.weight`.
  timm,
  /// microsoft/SimMIM pre-training: the official encoder under `encoder.`, plus `decoder.*`.
  simmim,
};

/// "official", "timm" or "simmim".
std::string to_string(Layout layout);

/// Tells which layout `tensors` are in: `encoder.*` keys mean simmim; `head.fc.*` means
/// timm and `head.weight` official; otherwise the downsample positions decide (a
/// downsample in stage 0 is official, one in the last stage is timm). Throws
/// swinpp::Error when the keys fit no layout or are ambiguous (for instance when they
/// still carry a `module.` prefix).
Layout detect_layout(const TensorMap& tensors);

/// True for the buffers a SwinV2 model recomputes from its configuration:
/// names whose last component is relative_coords_table, relative_position_index or
/// attn_mask.
bool is_derived_buffer(const std::string& name);

/// `tensors` without the derived buffers (see is_derived_buffer).
TensorMap drop_derived_buffers(const TensorMap& tensors);

/// The tensors whose names start with `prefix`, with the prefix removed; the others are
/// left out (e.g. "encoder." keeps a SimMIM encoder and drops its decoder).
TensorMap strip_prefix(const TensorMap& tensors, const std::string& prefix);

/// Renames the position-bias MLP of early official checkpoints, `.rpe_mlp.` -> `.cpb_mlp.`.
TensorMap rename_legacy_keys(const TensorMap& tensors);

/// Official layout -> timm: `layers.I.downsample.*` -> `layers.(I+1).downsample.*`,
/// `head.*` -> `head.fc.*`, legacy names renamed, derived buffers dropped (timm
/// recomputes them). Throws swinpp::Error when `tensors` are not in the official layout.
TensorMap to_timm(const TensorMap& tensors);

/// timm layout -> official, the inverse of to_timm: `layers.I.downsample.*` ->
/// `layers.(I-1).downsample.*`, `head.fc.*` -> `head.*`, derived buffers dropped.
/// Throws swinpp::Error when `tensors` are not in the timm layout.
TensorMap to_official(const TensorMap& tensors);

/// Brings a checkpoint of any supported layout to the official names that swinpp's
/// model loads: strips a `module.` prefix carried by every key (DDP), keeps a SimMIM
/// checkpoint's `encoder.*` (its decoder dropped), converts timm names, renames legacy
/// keys and drops the derived buffers.
TensorMap normalize_to_official(const TensorMap& tensors);

}  // namespace swinpp::io

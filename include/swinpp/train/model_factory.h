#pragma once

#include <string>

#include "swinpp/config/config.h"
#include "swinpp/io/state_dict.h"
#include "swinpp/model/simmim.h"
#include "swinpp/model/swin_transformer_v2.h"

namespace swinpp::train {

/// The backbone options a configuration describes (MODEL.SWINV2.*, DATA.IMG_SIZE,
/// MODEL.NUM_CLASSES, MODEL.DROP_RATE, MODEL.DROP_PATH_RATE).
SwinV2Options swinv2_options(const config::Config& config);

/// SimMIM's loss options (MODEL.SIMMIM.NORM_TARGET).
SimMIMOptions simmim_options(const config::Config& config);

/// Loads the weights in `path` (official .pth, official or timm safetensors, a
/// SimMIM checkpoint, a swinpp checkpoint) into a classification model. SimMIM
/// checkpoints keep `encoder.*` with the prefix stripped; the derived buffers are
/// recomputed for the model's own window; a head of another size keeps its
/// fresh initialisation. Returns what was loaded, missing and unexpected.
io::LoadReport load_backbone_weights(SwinTransformerV2Impl& model, const std::string& path);

/// A new model for another image or window size (or other options that leave
/// the parameter shapes alone) carrying the weights of `model`: every parameter
/// and non-derived buffer is copied, the position tables and shift masks are
/// computed for the new geometry. Set options.pretrained_window_sizes to the old
/// window so that the continuous position bias transfers as in the paper. Throws
/// swinpp::Error listing the parameters whose shapes differ.
SwinTransformerV2 rebuild_swinv2(const SwinTransformerV2Impl& model, const SwinV2Options& options);

/// Loads a SimMIM checkpoint (or, for the encoder alone, any backbone checkpoint) into `model`.
io::LoadReport load_simmim_weights(SimMIMImpl& model, const std::string& path);

}  // namespace swinpp::train

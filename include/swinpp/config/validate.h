#pragma once

#include "swinpp/config/config.h"

namespace swinpp::config {

/// Checks every value and every relation between values that any run needs:
/// stage lists of the same length (4 stages), channels divisible by heads,
/// image size divisible by the patch size and the token grid by the stage
/// strides, rates in [0, 1), positive sizes and counts, names from their sets
/// (scheduler, optimizer, interpolation, mixup mode, ...). Called by
/// load_config() and from_yaml_string().
/// Throws swinpp::Error naming the dotted key, what was expected and what was found.
void validate(const Config& config);

/// The extra checks of SimMIM pre-training: DATA.MASK_PATCH_SIZE a multiple of
/// MODEL.SWINV2.PATCH_SIZE and DATA.IMG_SIZE a multiple of DATA.MASK_PATCH_SIZE.
/// Pre-training calls it after load_config().
/// Throws swinpp::Error naming the key.
void validate_for_simmim(const Config& config);

}  // namespace swinpp::config

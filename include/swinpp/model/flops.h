#pragma once

#include "swinpp/model/swinv2_options.h"

namespace swinpp {

/// Multiply-adds of one SwinV2 forward pass for one image of options.img_size,
/// counted as the reference's flops() methods count them (matrix products,
/// attention, norms; the position-bias MLP once per block). Training costs
/// about 3x this many multiply-adds, 6x in FLOPs.
double swinv2_macs(const SwinV2Options& options);

}  // namespace swinpp

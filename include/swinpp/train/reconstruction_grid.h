#pragma once

#include <torch/types.h>

#include <string>

#include "swinpp/data/image.h"
#include "swinpp/model/simmim.h"

namespace swinpp::train {

/// A picture of what SimMIM sees and predicts: one row per image, columns
/// original | masked input (masked patches in the mean colour) | the whole
/// reconstruction. With normalised targets the reconstruction column maps the
/// prediction back through the local mean and std of the original, and a
/// fourth column shows the prediction itself (mid-grey = the local mean,
/// black/white = -2/+2 local stds), which the original does not colour.
/// images: [B, 3, H, W] normalised (ImageNet mean/std); mask: [B, H/p, W/p].
data::Image reconstruction_grid(SimMIMImpl& model, const torch::Tensor& images,
                                const torch::Tensor& mask);

/// reconstruction_grid written as a PNG file.
void write_reconstruction_grid(SimMIMImpl& model, const torch::Tensor& images,
                               const torch::Tensor& mask, const std::string& path);

}  // namespace swinpp::train

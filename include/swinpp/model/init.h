#pragma once

#include <torch/types.h>

namespace swinpp {

/// Fills `t` in place from N(mean, std) truncated to [a, b] (absolute bounds),
/// by inverse-CDF sampling as timm's trunc_normal_ does.
void trunc_normal_(torch::Tensor& t, double std = 0.02, double mean = 0.0, double a = -2.0,
                   double b = 2.0);

}  // namespace swinpp

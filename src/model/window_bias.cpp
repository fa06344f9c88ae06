#include "swinpp/model/window_bias.h"

#include <torch/torch.h>

namespace swinpp {
namespace {

/// The copy of the bias for every window, cast first; its backward reduces
/// the copies in the bias's own dtype.
class WindowBiasExpansion : public torch::autograd::Function<WindowBiasExpansion> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& bias,
                               int64_t windows, c10::ScalarType dtype) {
    const int64_t nW = bias.size(0), h = bias.size(1), N = bias.size(2);
    ctx->saved_data["windows_per_image"] = nW;
    ctx->saved_data["bias_dtype"] = static_cast<int64_t>(bias.scalar_type());
    return bias.to(dtype)
        .unsqueeze(0)
        .expand({windows / nW, nW, h, N, N})
        .reshape({windows, h, N, N});  // [B_, h, N, N]
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const int64_t nW = ctx->saved_data["windows_per_image"].toInt();
    const auto dtype = static_cast<c10::ScalarType>(ctx->saved_data["bias_dtype"].toInt());
    const torch::Tensor& grad = grads[0];  // [B_, h, N, N]
    const int64_t windows = grad.size(0), h = grad.size(1), N = grad.size(2);
    torch::Tensor sum =
        grad.view({windows / nW, nW, h, N, N}).sum(0, /*keepdim=*/false, dtype);  // [nW, h, N, N]
    return {sum, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor expand_window_bias(const torch::Tensor& bias, int64_t windows,
                                 c10::ScalarType dtype) {
  TORCH_CHECK(bias.dim() == 4 && bias.size(2) == bias.size(3) && bias.size(0) > 0 &&
                  windows % bias.size(0) == 0,
              "expand_window_bias: expected a bias [nW, h, N, N] and a multiple of nW windows, "
              "found ",
              bias.sizes(), " and ", windows, " windows");
  return WindowBiasExpansion::apply(bias, windows, dtype);
}

}  // namespace swinpp

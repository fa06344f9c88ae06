#include "swinpp/model/scaled_normalize.h"

#include <ATen/ExpandUtils.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

#include <optional>

namespace swinpp {
namespace {

constexpr double kEps = 1e-12;  // F.normalize's

/// y = x * f with f = scale / max(||x||, eps) per row. Autocast is excluded
/// inside: the float32 arithmetic is chosen here, per operation.
class ScaledNormalize : public torch::autograd::Function<ScaledNormalize> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const std::optional<torch::Tensor>& scale_or_one) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    const torch::Tensor scale = scale_or_one.value_or(torch::Tensor());
    const auto math = c10::promoteTypes(x.scalar_type(), torch::kFloat);  // float32 or float64
    const auto norm = at::linalg_vector_norm(x, 2, {-1}, /*keepdim=*/true, math);  // [..., 1]
    const auto inverse = norm.clamp_min(kEps).reciprocal();                        // [..., 1]
    const auto factor = scale.defined() ? inverse * scale.to(math) : inverse;
    auto y = at::empty(x.sizes(), x.options());  // [..., d], contiguous
    at::mul_out(y, x, factor);                   // float32 products, one rounding
    ctx->save_for_backward({x, scale, norm, inverse, factor});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &scale = saved[1], &norm = saved[2], &inverse = saved[3],
               &factor = saved[4];
    const auto& g = grads[0];  // [..., d]
    // dL/df per row; y = x f, f = scale / n, n = ||x|| (a constant where clamped).
    const auto dot = at::sum(at::mul(g, x), {-1}, /*keepdim=*/true, factor.scalar_type());
    // dL/dx = f (g - x <g, x> / n^2): the second term only where n >= eps.
    const auto along = -(dot * inverse * inverse * (norm >= kEps));  // [..., 1]
    auto grad_x = at::empty(x.sizes(), x.options());
    at::mul_out(grad_x, at::addcmul(g, x, along), factor);  // [..., d]
    torch::Tensor grad_scale;
    if (scale.defined() && scale.requires_grad())
      grad_scale = at::sum_to(dot * inverse, scale.sizes()).to(scale.scalar_type());
    return {grad_x, grad_scale};
  }
};

}  // namespace

torch::Tensor scaled_normalize(const torch::Tensor& x, const torch::Tensor& scale) {
  TORCH_CHECK(x.dim() >= 1 && x.is_floating_point(),
              "scaled_normalize: expected a floating-point tensor [..., d], found ", x.sizes(),
              " of ", x.scalar_type());
  if (scale.defined()) {
    TORCH_CHECK(scale.dim() <= x.dim() && (scale.dim() == 0 || scale.size(-1) == 1),
                "scaled_normalize: the scale ", scale.sizes(),
                " must have a last dimension of 1 to scale the rows of ", x.sizes());
    auto rows = x.sizes().vec();
    rows.back() = 1;
    TORCH_CHECK(at::is_expandable_to(scale.sizes(), rows), "scaled_normalize: the scale ",
                scale.sizes(), " does not broadcast to the rows ", c10::IntArrayRef(rows));
  }
  return ScaledNormalize::apply(
      x, scale.defined() ? std::optional<torch::Tensor>(scale) : std::nullopt);
}

}  // namespace swinpp

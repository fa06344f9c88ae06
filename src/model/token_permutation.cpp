#include "swinpp/model/token_permutation.h"

#include <torch/torch.h>

namespace swinpp {
namespace {

/// index_select along the tokens whose gradient is the inverse gather.
class TokenPermutation : public torch::autograd::Function<TokenPermutation> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& order, const torch::Tensor& inverse) {
    ctx->saved_data["inverse"] = inverse;
    return x.index_select(1, order);  // [B, T, C]
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor inverse = ctx->saved_data["inverse"].toTensor();
    return {grads[0].index_select(1, inverse), torch::Tensor(), torch::Tensor()};  // [B, T, C]
  }
};

}  // namespace

torch::Tensor permute_tokens(const torch::Tensor& x, const torch::Tensor& order,
                             const torch::Tensor& inverse) {
  TORCH_CHECK(x.dim() == 3 && order.dim() == 1 && order.size(0) == x.size(1) &&
                  inverse.sizes() == order.sizes(),
              "permute_tokens: expected x [B, T, C] and orders [T], found ", x.sizes(), ", ",
              order.sizes(), " and ", inverse.sizes());
  return TokenPermutation::apply(x, order, inverse);
}

}  // namespace swinpp

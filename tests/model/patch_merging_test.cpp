// PatchMerging V2 against the reference's formulation, written out here: the
// four strided quarters x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2] and
// x[1::2, 1::2] concatenated, reduced, normalised; odd sides zero-padded.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model_test_support.h"
#include "swinpp/model/patch_embed.h"

namespace swinpp {
namespace {

using torch::indexing::None;
using torch::indexing::Slice;

/// The reference's merge of x: [B, H*W, C] into [B, ceil(H/2)*ceil(W/2), 4C].
torch::Tensor quarters_concatenated(const torch::Tensor& x, int64_t H, int64_t W) {
  const int64_t B = x.size(0), C = x.size(2);
  auto h = torch::constant_pad_nd(x.view({B, H, W, C}), {0, 0, 0, W % 2, 0, H % 2});
  auto x0 = h.index({Slice(), Slice(0, None, 2), Slice(0, None, 2)});  // [B, H/2, W/2, C]
  auto x1 = h.index({Slice(), Slice(1, None, 2), Slice(0, None, 2)});
  auto x2 = h.index({Slice(), Slice(0, None, 2), Slice(1, None, 2)});
  auto x3 = h.index({Slice(), Slice(1, None, 2), Slice(1, None, 2)});
  return torch::cat({x0, x1, x2, x3}, -1).view({B, -1, 4 * C});
}

TEST(PatchMerging, EqualsTheReferenceQuartersForwardAndBackward) {
  for (const auto& [H, W] : {std::pair<int64_t, int64_t>{8, 6}, {5, 7}, {4, 3}}) {
    torch::manual_seed(0);
    const int64_t B = 2, C = 6;
    PatchMerging merging(C);
    testing::randomize(*merging);
    auto named = merging->named_parameters();
    const torch::Tensor input = torch::randn({B, H * W, C});
    auto ours_in = input.clone().requires_grad_();
    auto ref_in = input.clone().requires_grad_();
    const torch::Tensor ours = merging->forward(ours_in, H, W);
    const torch::Tensor reduced =
        torch::matmul(quarters_concatenated(ref_in, H, W), named["reduction.weight"].t());
    const torch::Tensor ref = torch::layer_norm(reduced, {2 * C}, named["norm.weight"],
                                                named["norm.bias"]);  // [B, H*W/4, 2C]
    const std::string what = std::to_string(H) + "x" + std::to_string(W);
    ASSERT_EQ(ours.sizes(), (std::vector<int64_t>{B, ((H + 1) / 2) * ((W + 1) / 2), 2 * C}))
        << what;
    testing::expect_close(ours, ref, what + " output");
    const torch::Tensor grad = torch::randn_like(ref);
    ours.backward(grad);
    ref.backward(grad);
    testing::expect_close(ours_in.grad(), ref_in.grad(), what + " input gradient");
  }
}

}  // namespace
}  // namespace swinpp

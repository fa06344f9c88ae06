#include "swinpp/model/flops.h"

#include <algorithm>

namespace swinpp {

double swinv2_macs(const SwinV2Options& o) {
  const double p = o.patch_size;
  int64_t H = o.img_size / o.patch_size, W = H;
  double C = o.embed_dim;
  double macs = H * W * C * o.in_chans * p * p;  // patch projection
  if (o.patch_norm) macs += H * W * C;
  for (int64_t i = 0; i < o.num_stages(); ++i) {
    int64_t win = o.window_size;
    if (std::min(H, W) <= win) win = std::min(H, W);
    const int64_t Hp = (H + win - 1) / win * win, Wp = (W + win - 1) / win * win;
    const double N = static_cast<double>(win) * win;
    const double nW = static_cast<double>(Hp / win) * (Wp / win);
    const double table = (2.0 * win - 1) * (2.0 * win - 1);
    for (int64_t j = 0; j < o.depths[i]; ++j) {
      macs += H * W * C;                                 // norm1
      macs += nW * (N * C * 3 * C + 2 * N * N * C);      // qkv, q k^T and attn v
      macs += nW * N * C * C;                            // proj
      macs += table * (2 * 512 + 512 * o.num_heads[i]);  // cpb_mlp
      macs += 2 * H * W * C * C * o.mlp_ratio;           // mlp
      macs += H * W * C;                                 // norm2
    }
    if (i < o.num_stages() - 1) {
      H = (H + 1) / 2, W = (W + 1) / 2;
      macs += H * W * 4 * C * 2 * C + H * W * 2 * C;  // reduction + norm
      C *= 2;
    }
  }
  macs += H * W * C;                                // final norm
  macs += C * std::max<int64_t>(o.num_classes, 0);  // head
  return macs;
}

}  // namespace swinpp

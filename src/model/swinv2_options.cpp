#include "swinpp/model/swinv2_options.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "swinpp/util/error.h"

namespace swinpp {

void SwinV2Options::validate() const {
  auto fail = [](const std::string& what) { throw Error("SwinV2 options: " + what); };
  if (patch_size <= 0) fail("patch_size must be > 0, got " + std::to_string(patch_size));
  if (img_size <= 0 || img_size % patch_size != 0)
    fail("img_size must be a positive multiple of patch_size " + std::to_string(patch_size) +
         ", got " + std::to_string(img_size));
  if (depths.empty()) fail("depths must not be empty");
  if (num_heads.size() != depths.size())
    fail("num_heads has " + std::to_string(num_heads.size()) + " entries, depths has " +
         std::to_string(depths.size()));
  if (pretrained_window_sizes.size() != depths.size())
    fail("pretrained_window_sizes has " + std::to_string(pretrained_window_sizes.size()) +
         " entries, expected one per stage (" + std::to_string(depths.size()) + ")");
  if (window_size <= 0) fail("window_size must be > 0, got " + std::to_string(window_size));
  if (embed_dim <= 0) fail("embed_dim must be > 0, got " + std::to_string(embed_dim));
  for (size_t i = 0; i < depths.size(); ++i) {
    const int64_t dim = embed_dim << i;
    if (depths[i] <= 0) fail("depths[" + std::to_string(i) + "] must be > 0");
    if (num_heads[i] <= 0 || dim % num_heads[i] != 0)
      fail("stage " + std::to_string(i) + " has dim " + std::to_string(dim) +
           ", not divisible by num_heads " + std::to_string(num_heads[i]));
    if (pretrained_window_sizes[i] < 0 || pretrained_window_sizes[i] == 1)
      fail("pretrained_window_sizes[" + std::to_string(i) + "] must be 0 or >= 2, got " +
           std::to_string(pretrained_window_sizes[i]));
  }
  if (num_classes < 0) fail("num_classes must be >= 0");
  if (mlp_ratio <= 0) fail("mlp_ratio must be > 0");
  for (double rate : {drop_rate, attn_drop_rate, drop_path_rate})
    if (rate < 0 || rate >= 1) fail("drop rates must be in [0, 1), got " + std::to_string(rate));
  if (extra_norm_period < 0) fail("extra_norm_period must be >= 0");
  if (!checkpoint_stages.empty() && checkpoint_stages.size() != depths.size())
    fail("checkpoint_stages has " + std::to_string(checkpoint_stages.size()) +
         " entries, expected none or one per stage (" + std::to_string(depths.size()) + ")");
  if (sequential_attention_windows < 0)
    fail("sequential_attention_windows must be >= 0, got " +
         std::to_string(sequential_attention_windows));
}

SwinV2Options swinv2_variant(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  SwinV2Options o;
  if (n == "tiny" || n == "t") {
    o.embed_dim = 96, o.depths = {2, 2, 6, 2}, o.num_heads = {3, 6, 12, 24};
  } else if (n == "small" || n == "s") {
    o.embed_dim = 96, o.depths = {2, 2, 18, 2}, o.num_heads = {3, 6, 12, 24};
  } else if (n == "base" || n == "b") {
    o.embed_dim = 128, o.depths = {2, 2, 18, 2}, o.num_heads = {4, 8, 16, 32};
  } else if (n == "large" || n == "l") {
    o.embed_dim = 192, o.depths = {2, 2, 18, 2}, o.num_heads = {6, 12, 24, 48};
  } else if (n == "huge" || n == "h") {
    o.embed_dim = 352, o.depths = {2, 2, 18, 2}, o.num_heads = {11, 22, 44, 88};
    o.extra_norm_period = 6;
  } else if (n == "giant" || n == "g") {
    o.embed_dim = 512, o.depths = {2, 2, 42, 4}, o.num_heads = {16, 32, 64, 128};
    o.extra_norm_period = 6;
  } else {
    throw Error("unknown SwinV2 variant '" + name +
                "', expected one of tiny, small, base, large, huge, giant");
  }
  return o;
}

}  // namespace swinpp

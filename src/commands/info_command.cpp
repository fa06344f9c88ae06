// swinpp info: what a configuration builds.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "command_common.h"
#include "swinpp/model/flops.h"
#include "swinpp/model/swin_transformer_v2.h"
#include "swinpp/train/model_factory.h"

namespace swinpp::commands {

namespace {
void run_info(const CommonOptions& options) {
  const auto cfg = prepare(options);
  const auto o = train::swinv2_options(cfg);
  SwinTransformerV2 model(o);
  int64_t params = 0;
  for (const auto& p : model->parameters())
    if (p.requires_grad()) params += p.numel();
  std::cout << fmt::format("model       SwinV2 C={} depths=[{}] heads=[{}] window={}\n",
                           o.embed_dim, fmt::join(o.depths, ","), fmt::join(o.num_heads, ","),
                           o.window_size);
  std::cout << fmt::format("input       {}x{}x{}, {} classes\n", o.in_chans, o.img_size, o.img_size,
                           o.num_classes);
  std::cout << fmt::format("parameters  {} ({:.2f} M)\n", params, params / 1e6);
  std::cout << fmt::format("GFLOPs      {:.2f} per image (multiply-adds, forward)\n",
                           swinv2_macs(o) / 1e9);
  std::cout << "stage  blocks  tokens      channels  heads  window  shift  output\n";
  int64_t side = o.img_size / o.patch_size;
  const auto stages = model->stages();
  for (size_t i = 0; i < stages.size(); ++i) {
    const auto blocks = stages[i]->blocks();
    int64_t shift = 0;
    for (const auto& b : blocks) shift = std::max(shift, b->shift());
    const int64_t dim = o.embed_dim << i;
    const int64_t out_side = stages[i]->has_downsample() ? (side + 1) / 2 : side;
    const int64_t out_dim = stages[i]->has_downsample() ? 2 * dim : dim;
    std::cout << fmt::format("{:<6} {:<7} {:<11} {:<9} {:<6} {:<7} {:<6} [{}, {}]\n", i,
                             blocks.size(), fmt::format("{}x{}", side, side), dim, o.num_heads[i],
                             blocks.front()->window(), shift, out_side * out_side, out_dim);
    side = out_side;
  }
}
}  // namespace

void add_info_command(CLI::App& app) {
  auto options = std::make_shared<CommonOptions>();
  auto* cmd = app.add_subcommand("info", "Parameters, GFLOPs and per-stage shapes of a model");
  add_common_options(*cmd, *options);
  cmd->callback([options] { run_info(*options); });
}

}  // namespace swinpp::commands

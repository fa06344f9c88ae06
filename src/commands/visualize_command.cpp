// swinpp visualize: SimMIM reconstructions of images as a PNG grid.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>

#include "command_common.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/random.h"
#include "swinpp/train/data_options.h"
#include "swinpp/train/mask_generator.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/train/reconstruction_grid.h"

namespace swinpp::commands {

namespace {
struct VisualizeOptions {
  CommonOptions common;
  std::string weights, out;
  std::vector<std::string> images;
  uint64_t seed = 0;
};

void run_visualize(const VisualizeOptions& options) {
  const auto cfg = prepare(options.common);
  SimMIM model(train::swinv2_options(cfg), train::simmim_options(cfg));
  check_loaded_weights(options.weights, train::load_simmim_weights(*model, options.weights));
  const data::EvalTransform transform(train::eval_transform_options(cfg));
  const train::MaskGenerator masks(cfg.data.img_size, cfg.data.mask_patch_size,
                                   cfg.model.swinv2.patch_size, cfg.data.mask_ratio);
  std::vector<torch::Tensor> images, mask_list;
  for (size_t i = 0; i < options.images.size(); ++i) {
    auto gen = data::sample_generator(options.seed, 0, static_cast<int64_t>(i));
    images.push_back(transform(data::read_file_bytes(options.images[i]), gen, options.images[i]));
    mask_list.push_back(masks(gen));
  }
  std::filesystem::create_directories(options.out);
  const auto path = (std::filesystem::path(options.out) / "reconstruction.png").string();
  train::write_reconstruction_grid(*model, torch::stack(images), torch::stack(mask_list), path);
  spdlog::info("wrote {} (rows: images; columns: original | masked | reconstruction{})", path,
               model->options.norm_target ? " | normalised prediction" : "");
}
}  // namespace

void add_visualize_command(CLI::App& app) {
  auto options = std::make_shared<VisualizeOptions>();
  auto* cmd = app.add_subcommand("visualize", "SimMIM reconstructions of images as a PNG grid");
  add_common_options(*cmd, options->common);
  cmd->add_option("--weights,-w", options->weights, "SimMIM weights or checkpoint folder")
      ->required();
  cmd->add_option("--out,-o", options->out, "folder for reconstruction.png")->required();
  cmd->add_option("--seed", options->seed, "seed of the random masks (default 0)");
  cmd->add_option("images", options->images, "JPEG or PNG files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([options] { run_visualize(*options); });
}

}  // namespace swinpp::commands

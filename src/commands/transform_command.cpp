// swinpp transform: the tensors the data loader would feed the model for given
// images, written to a safetensors file for inspection and comparison.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <memory>
#include <optional>

#include "command_common.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/random.h"
#include "swinpp/data/train_transform.h"
#include "swinpp/io/safetensors.h"
#include "swinpp/train/data_options.h"
#include "swinpp/train/mask_generator.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct TransformOptions {
  CommonOptions common;
  std::vector<std::string> images;
  std::string output;
  bool eval = false, train = false, simmim = false;
  int64_t epoch = 0;
};

std::unique_ptr<data::ImageTransform> make_transform(const TransformOptions& options,
                                                     const config::Config& cfg) {
  if (options.eval)
    return std::make_unique<data::EvalTransform>(train::eval_transform_options(cfg));
  if (options.simmim)
    return std::make_unique<data::TrainTransform>(
        data::TrainTransformOptions::simmim(static_cast<int>(cfg.data.img_size)));
  return std::make_unique<data::TrainTransform>(train::train_transform_options(cfg));
}

void run_transform(const TransformOptions& options) {
  if (!options.eval && !options.train) throw CLI::RequiredError("--eval or --train");
  const auto cfg = prepare(options.common);
  const auto transform = make_transform(options, cfg);
  const int64_t S = transform->output_size();
  const auto n = static_cast<int64_t>(options.images.size());
  auto images = torch::empty({n, 3, S, S});  // [N, 3, S, S], normalised
  std::vector<torch::Tensor> masks;
  std::optional<train::MaskGenerator> mask_generator;  // only --simmim draws masks
  if (options.simmim)
    mask_generator.emplace(cfg.data.img_size, cfg.data.mask_patch_size, cfg.model.swinv2.patch_size,
                           cfg.data.mask_ratio);
  io::StringMap metadata;
  for (int64_t i = 0; i < n; ++i) {
    const auto& path = options.images[i];
    const auto bytes = data::read_file_bytes(path);
    // Image i gets the random stream the loader gives sample i in this epoch.
    auto gen = data::sample_generator(static_cast<uint64_t>(cfg.seed), options.epoch, i);
    transform->apply(bytes.data(), bytes.size(), path, gen, images[i].data_ptr<float>());
    if (mask_generator) {
      auto mask_gen = data::sample_generator(static_cast<uint64_t>(cfg.seed), options.epoch, i,
                                             data::SampleStream::kExtra);
      masks.push_back((*mask_generator)(mask_gen));  // [S/p, S/p]
    }
    metadata["image." + std::to_string(i)] = path;
  }
  io::TensorMap out{{"images", images}};
  if (options.simmim) out["masks"] = torch::stack(masks);  // [N, S/p, S/p]
  io::save_safetensors(options.output, out, metadata);
  spdlog::info("wrote {} {} tensors of {}x{} to {}", n, options.eval ? "evaluation" : "training", S,
               S, options.output);
}
}  // namespace

void add_transform_command(CLI::App& app) {
  auto options = std::make_shared<TransformOptions>();
  auto* cmd = app.add_subcommand("transform",
                                 "Write the tensors the data loader makes of JPEG or PNG images");
  add_common_options(*cmd, options->common, /*config_required=*/false);
  auto* eval = cmd->add_flag("--eval", options->eval,
                             "the evaluation transform: resize to int(256/224*S) and centre crop "
                             "(TEST.CROP), or resize to SxS; normalise");
  auto* train =
      cmd->add_flag("--train", options->train,
                    "the fine-tuning transform (AUG.*), with the random stream the loader gives "
                    "image i (its position here) in --epoch under SEED");
  eval->excludes(train);
  cmd->add_flag("--simmim", options->simmim,
                "with --train: the pre-training transform, and the masks as 'masks'")
      ->needs(train);
  cmd->add_option("--epoch", options->epoch, "epoch whose random streams --train uses")
      ->capture_default_str();
  cmd->add_option("--output,-o", options->output,
                  "safetensors file to write: 'images' [N, 3, S, S] (normalised, in the "
                  "order given; metadata image.I names each file)")
      ->required();
  cmd->add_option("images", options->images, "JPEG or PNG files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([options] { run_transform(*options); });
}

}  // namespace swinpp::commands

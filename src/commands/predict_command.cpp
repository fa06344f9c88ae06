// swinpp predict: top-5 classes of JPEG/PNG images.
#include <fmt/format.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "command_common.h"
#include "swinpp/data/eval_transform.h"
#include "swinpp/data/file_bytes.h"
#include "swinpp/data/random.h"
#include "swinpp/train/data_options.h"
#include "swinpp/train/model_factory.h"
#include "swinpp/util/error.h"

namespace swinpp::commands {

namespace {
struct PredictOptions {
  CommonOptions common;
  std::string weights, labels;
  std::vector<std::string> images;
  int top = 5;
};

std::vector<std::string> read_labels(const std::string& path) {
  std::vector<std::string> labels;
  if (path.empty()) return labels;
  std::ifstream in(path);
  if (!in) throw Error("cannot open the label file '" + path + "'");
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

void run_predict(const PredictOptions& options) {
  const auto cfg = prepare(options.common);
  SwinTransformerV2 model(train::swinv2_options(cfg));
  check_loaded_weights(options.weights, train::load_backbone_weights(*model, options.weights));
  model->eval();
  const auto labels = read_labels(options.labels);
  const data::EvalTransform transform(train::eval_transform_options(cfg));
  data::Generator unused_gen(0);
  torch::NoGradGuard no_grad;
  for (const auto& path : options.images) {
    const auto x = transform(data::read_file_bytes(path), unused_gen, path).unsqueeze(0);
    const auto probs = torch::softmax(model->forward(x), -1)[0];  // [classes]
    const auto top = probs.topk(std::min<int64_t>(options.top, probs.size(0)));
    std::cout << path << "\n";
    for (int64_t k = 0; k < std::get<1>(top).size(0); ++k) {
      const int64_t cls = std::get<1>(top)[k].item<int64_t>();
      const std::string name = cls < static_cast<int64_t>(labels.size()) ? labels[cls] : "";
      std::cout << fmt::format("  {}. class {:<6} {:6.2f}%  {}\n", k + 1, cls,
                               100.0 * std::get<0>(top)[k].item<double>(), name);
    }
  }
}
}  // namespace

void add_predict_command(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  auto* cmd = app.add_subcommand("predict", "Top classes of JPEG or PNG images");
  add_common_options(*cmd, options->common);
  cmd->add_option("--weights,-w", options->weights,
                  "classification weights: a checkpoint folder, .pth or safetensors")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--labels", options->labels, "text file with one class name per line");
  cmd->add_option("--top", options->top, "how many classes to show (default 5)");
  cmd->add_option("images", options->images, "JPEG or PNG files")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([options] { run_predict(*options); });
}

}  // namespace swinpp::commands

#include "swinpp/optim/param_groups.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "swinpp/util/error.h"

namespace swinpp::optim {
namespace {

const std::string kEncoderPrefix = "encoder.";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split_dots(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) {
      return parts;
    }
    start = dot + 1;
  }
}

int64_t parse_index(const std::string& text, const std::string& name) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
  if (!digits) {
    throw Error("parameter '" + name + "': expected an integer index, found '" + text + "'");
  }
  return std::stoll(text);
}

int64_t depth_sum(const std::vector<int64_t>& depths, size_t stages) {
  return std::accumulate(depths.begin(), depths.begin() + static_cast<std::ptrdiff_t>(stages),
                         int64_t{0});
}

}  // namespace

bool excluded_from_weight_decay(const std::string& name, const torch::Tensor& param) {
  if (param.dim() == 1 || ends_with(name, ".bias")) {
    return true;
  }
  const std::string last = split_dots(name).back();
  if (last == "absolute_pos_embed" || last == "mask_token") {
    return true;
  }
  static const std::array<const char*, 3> kKeywords = {"cpb_mlp", "logit_scale",
                                                       "relative_position_bias_table"};
  return std::any_of(kKeywords.begin(), kKeywords.end(),
                     [&](const char* keyword) { return name.find(keyword) != std::string::npos; });
}

int64_t swin_layer_id(const std::string& name, const std::vector<int64_t>& depths) {
  const std::string local =
      starts_with(name, kEncoderPrefix) ? name.substr(kEncoderPrefix.size()) : name;
  const int64_t num_layers = depth_sum(depths, depths.size());
  if (local == "mask_token" || local == "patch_embed" || starts_with(local, "patch_embed.")) {
    return 0;
  }
  const std::vector<std::string> parts = split_dots(local);
  if (parts.size() < 4 || parts[0] != "layers") {
    return num_layers + 1;
  }
  const int64_t stage = parse_index(parts[1], name);
  if (stage >= static_cast<int64_t>(depths.size())) {
    throw Error("parameter '" + name + "': stage " + std::to_string(stage) +
                " is outside the model's " + std::to_string(depths.size()) + " stages");
  }
  if (parts[2] == "downsample") {
    return depth_sum(depths, static_cast<size_t>(stage) + 1);
  }
  if (parts[2] != "blocks") {
    throw Error("parameter '" + name + "': expected layers.<i>.blocks or layers.<i>.downsample");
  }
  const int64_t block = parse_index(parts[3], name);
  if (block >= depths[static_cast<size_t>(stage)]) {
    throw Error("parameter '" + name + "': block " + std::to_string(block) + " but stage " +
                std::to_string(stage) + " has depth " +
                std::to_string(depths[static_cast<size_t>(stage)]));
  }
  return depth_sum(depths, static_cast<size_t>(stage)) + block + 1;
}

std::vector<ParamGroup> build_param_groups(const NamedParameters& named,
                                           const ParamGroupOptions& options) {
  const bool layer_wise = options.layer_decay != 1.0;
  if (layer_wise && options.depths.empty()) {
    throw Error("layer decay " + std::to_string(options.layer_decay) +
                " needs the stage depths, found none");
  }
  const int64_t num_layers = depth_sum(options.depths, options.depths.size());

  std::vector<ParamGroup> groups;
  std::map<std::string, size_t> group_index;
  std::set<std::string> seen;
  for (const auto& [name, param] : named) {
    if (!param.defined()) {
      throw Error("parameter '" + name + "': expected a defined tensor, found an undefined one");
    }
    if (!seen.insert(name).second) {
      throw Error("parameter '" + name + "' appears twice in the parameter list");
    }
    if (!param.requires_grad()) {
      continue;
    }
    const bool no_decay = excluded_from_weight_decay(name, param);
    std::string group_name = no_decay ? "no_decay" : "decay";
    double lr_scale = 1.0;
    if (layer_wise) {
      const int64_t id = swin_layer_id(name, options.depths);
      group_name = "layer_" + std::to_string(id) + "_" + group_name;
      lr_scale = std::pow(options.layer_decay, static_cast<double>(num_layers + 1 - id));
    }
    auto [it, inserted] = group_index.emplace(group_name, groups.size());
    if (inserted) {
      ParamGroup group;
      group.name = group_name;
      group.weight_decay = no_decay ? 0.0 : options.weight_decay;
      group.lr_scale = lr_scale;
      groups.push_back(std::move(group));
    }
    ParamGroup& group = groups[it->second];
    group.param_names.push_back(name);
    group.params.push_back(param);
  }
  return groups;
}

NamedParameters named_parameters_of(const torch::nn::Module& module) {
  NamedParameters named;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    named.emplace_back(item.key(), item.value());
  }
  return named;
}

}  // namespace swinpp::optim

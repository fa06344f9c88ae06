#include "golden_case.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "swinpp/io/safetensors.h"

namespace swinpp::testing {

std::string GoldenCase::path(const std::string& suffix) const {
  return std::string(SWINPP_GOLDEN_DIR) + "/" + name + suffix;
}

GoldenCase load_golden_case(const std::string& name) {
  GoldenCase c;
  c.name = name;
  std::ifstream in(c.path(".json"));
  const auto j = nlohmann::json::parse(in);
  auto& o = c.options;
  o.img_size = j.at("img_size");
  o.window_size = j.at("window_size");
  o.embed_dim = j.at("embed_dim");
  o.depths = j.at("depths").get<std::vector<int64_t>>();
  o.num_heads = j.at("num_heads").get<std::vector<int64_t>>();
  o.pretrained_window_sizes = j.at("pretrained_window_sizes").get<std::vector<int64_t>>();
  o.num_classes = j.value("num_classes", 0);
  o.drop_path_rate = 0.0;
  c.simmim.norm_target = j.value("norm_target", false);
  c.simmim.norm_target_patch = j.value("norm_target_patch", 47);
  c.io = io::load_safetensors(c.path(".io.safetensors"));
  return c;
}

double relative_error(const torch::Tensor& ours, const torch::Tensor& ref) {
  const auto r = ref.to(torch::kFloat64), o = ours.to(torch::kFloat64);
  return ((o - r).abs().max() / r.abs().max()).item<double>();
}

}  // namespace swinpp::testing

#include "golden_case.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "swinpp/io/safetensors.h"

namespace swinpp::testing {

std::string GoldenCase::path(const std::string& suffix) const {
  // SWINPP_GOLDEN_DIR in the environment points a test binary that was built
  // elsewhere (the GPU bundle) at this checkout's cases.
  const char* moved = std::getenv("SWINPP_GOLDEN_DIR");
  const std::string dir = moved && *moved ? moved : SWINPP_GOLDEN_DIR;
  return dir + "/" + name + suffix;
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
  const auto r = ref.to(torch::kFloat64).cpu(), o = ours.to(torch::kFloat64).cpu();
  const double scale = r.abs().max().item<double>();
  const double diff = (o - r).abs().max().item<double>();
  // An all-zero reference (an unused parameter's gradient) is compared absolutely.
  return scale > 0 ? diff / scale : diff;
}

io::TensorMap load_golden_gradients(const GoldenCase& c) {
  return io::load_safetensors(c.path(".grad.safetensors"));
}

double expect_gradients_match(const io::TensorMap& reference, const io::TensorMap& ours,
                              const std::string& prefix) {
  double worst = 0;
  size_t compared = 0;
  for (const auto& [key, ref] : reference) {
    if (key.rfind("grad.", 0) != 0) continue;
    const auto name = key.substr(5);
    const auto it = ours.find(prefix + name);
    if (it == ours.end()) {
      ADD_FAILURE() << "no gradient for " << name;
      continue;
    }
    EXPECT_EQ(it->second.sizes(), ref.sizes()) << name;
    const double tol = reference.at("tol." + name).item<double>();
    const double err = relative_error(it->second, ref);
    EXPECT_LE(err, kFp32ToleranceFactor * tol) << name << " (tol." << name << " = " << tol << ")";
    worst = std::max(worst, err / tol);
    ++compared;
  }
  size_t ours_grads = 0;
  for (const auto& [key, value] : ours) ours_grads += key.rfind(prefix, 0) == 0;
  EXPECT_EQ(compared, ours_grads) << "gradients the reference does not have";
  EXPECT_GT(compared, 100u);
  return worst;
}

}  // namespace swinpp::testing

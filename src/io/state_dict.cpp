#include "swinpp/io/state_dict.h"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include "swinpp/io/checkpoint_layout.h"
#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

/// The module's parameters and buffers by name; undefined slots (e.g. a Linear
/// without bias) are skipped.
TensorMap named_tensors(const torch::nn::Module& module) {
  TensorMap tensors;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (item.value().defined()) tensors.emplace(item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    if (item.value().defined()) tensors.emplace(item.key(), item.value());
  }
  return tensors;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  return c10::str(c10::IntArrayRef(shape));
}

void append_list(std::string& text, const char* title, const std::vector<std::string>& names) {
  if (names.empty()) return;
  text +=
      std::string(text.empty() ? "" : "; ") + title + " (" + std::to_string(names.size()) + "):";
  for (const auto& name : names) text += " " + name;
}

}  // namespace

std::string LoadReport::summary() const {
  std::string text;
  append_list(text, "missing", missing);
  append_list(text, "unexpected", unexpected);
  std::vector<std::string> shapes;
  for (const auto& mismatch : mismatched) {
    shapes.push_back(mismatch.name + " expected " + shape_text(mismatch.expected) + " found " +
                     shape_text(mismatch.found));
  }
  append_list(text, "shape mismatch", shapes);
  return text.empty() ? "all " + std::to_string(loaded.size()) + " tensors loaded" : text;
}

LoadReport load_state_dict(torch::nn::Module& module, const TensorMap& tensors,
                           const LoadOptions& options) {
  const TensorMap destinations = named_tensors(module);
  LoadReport report;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (destination, source)
  for (const auto& [name, destination] : destinations) {
    if (is_derived_buffer(name)) continue;
    const auto source = tensors.find(name);
    if (source == tensors.end()) {
      report.missing.push_back(name);
    } else if (!source->second.defined()) {
      throw Error("load_state_dict: tensor '" + name + "' in the checkpoint is undefined");
    } else if (source->second.sizes() != destination.sizes()) {
      report.mismatched.push_back({name, destination.sizes().vec(), source->second.sizes().vec()});
    } else {
      copies.emplace_back(destination, source->second);
      report.loaded.push_back(name);
    }
  }
  for (const auto& entry : tensors) {
    if (!is_derived_buffer(entry.first) && destinations.count(entry.first) == 0) {
      report.unexpected.push_back(entry.first);
    }
  }

  const bool refuse_mismatch = !report.mismatched.empty() && !options.skip_mismatched;
  if (refuse_mismatch || (options.strict && !report.complete())) {
    throw Error("load_state_dict: the checkpoint does not fit the module: " + report.summary());
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& [destination, source] : copies) destination.copy_(source);
  }
  if (!report.complete()) spdlog::info("load_state_dict: {}", report.summary());
  return report;
}

TensorMap state_dict_of(const torch::nn::Module& module) {
  TensorMap tensors;
  for (const auto& [name, tensor] : named_tensors(module)) {
    tensors.emplace(
        name, tensor.detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true).contiguous());
  }
  return tensors;
}

}  // namespace swinpp::io

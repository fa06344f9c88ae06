#include "swinpp/io/checkpoint_layout.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "swinpp/util/error.h"

namespace swinpp::io {

namespace {

constexpr const char* kLayersPrefix = "layers.";
constexpr const char* kDownsample = "downsample.";

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

/// "layers.I.REST" -> (I, REST); nullopt for other keys.
std::optional<std::pair<int, std::string>> split_stage(const std::string& key) {
  const std::size_t digits_begin = std::char_traits<char>::length(kLayersPrefix);
  if (!starts_with(key, kLayersPrefix)) return std::nullopt;
  std::size_t digits_end = digits_begin;
  while (digits_end < key.size() && std::isdigit(static_cast<unsigned char>(key[digits_end]))) {
    ++digits_end;
  }
  if (digits_end == digits_begin || digits_end - digits_begin > 6 || digits_end >= key.size() ||
      key[digits_end] != '.') {
    return std::nullopt;
  }
  return std::make_pair(std::stoi(key.substr(digits_begin, digits_end - digits_begin)),
                        key.substr(digits_end + 1));
}

bool is_downsample(const std::string& rest) { return starts_with(rest, kDownsample); }

std::string stage_key(int stage, const std::string& rest) {
  return kLayersPrefix + std::to_string(stage) + "." + rest;
}

std::string first_key(const TensorMap& tensors) {
  return tensors.empty() ? "none, the map is empty" : "'" + tensors.begin()->first + "'";
}

void require_layout(const TensorMap& tensors, Layout expected, const char* conversion) {
  const Layout found = detect_layout(tensors);
  if (found != expected) {
    throw Error(std::string(conversion) + " expects tensors in the " + to_string(expected) +
                " layout, found the " + to_string(found) + " layout");
  }
}

/// Moves every `layers.I.downsample.*` to stage I + shift and renames the head
/// from `from_head` to `to_head`, after renaming legacy keys and dropping derived buffers.
TensorMap convert(const TensorMap& tensors, int shift, const std::string& from_head,
                  const std::string& to_head) {
  TensorMap converted;
  for (const auto& [key, tensor] : rename_legacy_keys(drop_derived_buffers(tensors))) {
    std::string name = key;
    if (const auto stage = split_stage(key); stage && is_downsample(stage->second)) {
      if (stage->first + shift < 0) {
        throw Error("layout conversion: '" + key + "' has no stage before it to move to");
      }
      name = stage_key(stage->first + shift, stage->second);
    } else if (starts_with(key, from_head)) {
      name = to_head + key.substr(from_head.size());
    }
    converted.emplace(std::move(name), tensor);
  }
  return converted;
}

}  // namespace

std::string to_string(Layout layout) {
  switch (layout) {
    case Layout::official:
      return "official";
    case Layout::timm:
      return "timm";
    case Layout::simmim:
      return "simmim";
  }
  return "unknown";
}

Layout detect_layout(const TensorMap& tensors) {
  std::set<int> block_stages, downsample_stages;
  bool official_head = false, timm_head = false;
  for (const auto& entry : tensors) {
    const std::string& key = entry.first;
    if (starts_with(key, "encoder.")) return Layout::simmim;
    timm_head = timm_head || starts_with(key, "head.fc.");
    official_head = official_head || key == "head.weight" || key == "head.bias";
    if (const auto stage = split_stage(key)) {
      (is_downsample(stage->second) ? downsample_stages : block_stages).insert(stage->first);
    }
  }
  if (timm_head != official_head) return timm_head ? Layout::timm : Layout::official;
  const bool first_stage_downsamples = downsample_stages.count(0) > 0;
  const bool last_stage_downsamples =
      !block_stages.empty() && downsample_stages.count(*block_stages.rbegin()) > 0;
  if (!timm_head && first_stage_downsamples != last_stage_downsamples) {
    return first_stage_downsamples ? Layout::official : Layout::timm;
  }
  throw Error("cannot tell the checkpoint layout of " + std::to_string(tensors.size()) +
              " tensors: expected encoder.* (simmim), head.fc.* or a downsample in the last stage "
              "(timm), head.weight or a downsample in stage 0 (official); first key " +
              first_key(tensors) + " (strip prefixes such as 'module.' first)");
}

bool is_derived_buffer(const std::string& name) {
  const std::size_t dot = name.rfind('.');
  const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
  return last == "relative_coords_table" || last == "relative_position_index" ||
         last == "attn_mask";
}

TensorMap drop_derived_buffers(const TensorMap& tensors) {
  TensorMap kept;
  for (const auto& [key, tensor] : tensors) {
    if (!is_derived_buffer(key)) kept.emplace(key, tensor);
  }
  return kept;
}

TensorMap strip_prefix(const TensorMap& tensors, const std::string& prefix) {
  TensorMap stripped;
  for (const auto& [key, tensor] : tensors) {
    if (starts_with(key, prefix)) stripped.emplace(key.substr(prefix.size()), tensor);
  }
  return stripped;
}

TensorMap rename_legacy_keys(const TensorMap& tensors) {
  static const std::string kLegacy = ".rpe_mlp.";
  static const std::string kCurrent = ".cpb_mlp.";
  TensorMap renamed;
  for (const auto& [key, tensor] : tensors) {
    std::string name = key;
    if (const std::size_t at = name.find(kLegacy); at != std::string::npos) {
      name.replace(at, kLegacy.size(), kCurrent);
    }
    if (!renamed.emplace(name, tensor).second) {
      throw Error("renaming '" + key + "' to '" + name + "' collides with an existing key");
    }
  }
  return renamed;
}

TensorMap to_timm(const TensorMap& tensors) {
  require_layout(tensors, Layout::official, "to_timm");
  return convert(tensors, +1, "head.", "head.fc.");
}

TensorMap to_official(const TensorMap& tensors) {
  require_layout(tensors, Layout::timm, "to_official");
  return convert(tensors, -1, "head.fc.", "head.");
}

TensorMap normalize_to_official(const TensorMap& tensors) {
  const bool all_module =
      !tensors.empty() && std::all_of(tensors.begin(), tensors.end(), [](const auto& entry) {
        return starts_with(entry.first, "module.");
      });
  TensorMap normalized = rename_legacy_keys(
      drop_derived_buffers(all_module ? strip_prefix(tensors, "module.") : tensors));
  switch (detect_layout(normalized)) {
    case Layout::simmim:
      return strip_prefix(normalized, "encoder.");
    case Layout::timm:
      return to_official(normalized);
    case Layout::official:
      return normalized;
  }
  return normalized;
}

}  // namespace swinpp::io

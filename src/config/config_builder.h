#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "swinpp/config/config.h"

namespace swinpp::config::detail {

/// Builds a Config from the defaults by applying YAML documents and --opts
/// pairs in order, each later value overriding earlier ones.
class ConfigBuilder {
 public:
  /// Applies a YAML document (a map of sections and keys; null = nothing).
  /// `source` names it in errors. Top-level keys in `skip` (e.g. BASE) are left alone.
  void apply_document(const YAML::Node& document, const std::string& source,
                      const std::set<std::string>& skip = {});

  /// Applies `--opts` pairs: KEY VALUE KEY VALUE ..., each VALUE parsed as YAML.
  /// KEY is a full dotted key, or a section given a YAML map.
  void apply_opts(const std::vector<std::string>& opts);

  /// The config with derived defaults filled in: TRAIN.CHECKPOINT_STAGES, when
  /// no source set it, is TRAIN.USE_CHECKPOINT for every stage.
  Config finish() const;

 private:
  // Applies `value` at the dotted `key`: a leaf is decoded, a section recursed into.
  void apply_entry(const std::string& key, const YAML::Node& value, const std::string& source);
  // Applies every key of a map under the section `prefix`.
  void apply_map(const std::string& prefix, const YAML::Node& map, const std::string& source,
                 const std::set<std::string>& skip);
  [[noreturn]] void throw_unknown_key(const std::string& key, const std::string& source) const;

  Config config_;
  std::set<std::string> keys_set_;
};

}  // namespace swinpp::config::detail

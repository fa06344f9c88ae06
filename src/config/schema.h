#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "swinpp/config/config.h"
#include "yaml_value.h"

namespace swinpp::config::detail {

/// One leaf key of the schema and how to read and write it.
struct Field {
  /// Full dotted key, e.g. "MODEL.SWINV2.EMBED_DIM".
  std::string key;
  /// Sets the field of `config` from `node`; throws swinpp::Error naming `source`.
  std::function<void(Config& config, const YAML::Node& node, const ValueSource& source)> read;
  /// The field of `config` as a YAML node.
  std::function<YAML::Node(const Config& config)> write;
};

/// Every key of the config schema: the official keys in the official order,
/// then the swinpp extensions of each section. Sections are contiguous.
class Schema {
 public:
  /// The one schema instance.
  static const Schema& instance();

  /// Every leaf, in schema order.
  const std::vector<Field>& fields() const { return fields_; }
  /// The leaf named by a full dotted key, or nullptr.
  const Field* find(const std::string& key) const;
  /// Whether a dotted key names a section (a map of keys), "" being the root.
  bool is_section(const std::string& key) const;
  /// The names directly under a section, in schema order ("" = the top level).
  std::vector<std::string> children(const std::string& section) const;

 private:
  Schema();

  std::vector<Field> fields_;
  std::map<std::string, std::size_t> index_;
  std::set<std::string> sections_;
};

}  // namespace swinpp::config::detail

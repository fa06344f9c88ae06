#include "swinpp/config/config_io.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "config_builder.h"
#include "schema.h"
#include "swinpp/config/validate.h"
#include "swinpp/util/error.h"
#include "yaml_value.h"

namespace swinpp::config {

namespace {

namespace fs = std::filesystem;

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error("config " + source + ": invalid YAML at line " + std::to_string(e.mark.line + 1) +
                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

YAML::Node read_yaml_file(const fs::path& path, const std::string& included_by) {
  const std::string origin = included_by.empty() ? "" : " (a BASE of " + included_by + ")";
  std::error_code status;
  if (fs::is_directory(path, status))
    throw Error("config file " + path.string() + origin + " is a folder, expected a YAML file");
  if (!fs::is_regular_file(path, status)) {
    // A path the system cannot look up (a name over NAME_MAX, a loop of links)
    // is reported with the reason, a missing one as not found.
    const bool missing = !status || status == std::errc::no_such_file_or_directory;
    throw Error("config file " + path.string() + origin +
                (missing ? " not found" : " cannot be read: " + status.message()));
  }
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw Error("config file " + path.string() + origin + " cannot be read");
  } catch (const YAML::Exception& e) {
    throw Error("config file " + path.string() + ": invalid YAML at line " +
                std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                ": " + e.msg);
  }
}

// The files named by a document's BASE list, relative to the document's folder.
std::vector<fs::path> base_paths(const YAML::Node& document, const fs::path& path) {
  std::vector<fs::path> paths;
  if (!document.IsMap() || !document["BASE"]) return paths;
  const YAML::Node base = document["BASE"];
  const detail::ValueSource source{"BASE", path.string()};
  if (!base.IsSequence())
    detail::throw_value_error(source, "a list of files", detail::describe(base));
  for (std::size_t i = 0; i < base.size(); ++i) {
    std::string entry;
    detail::decode(base[i], source, entry);
    if (!entry.empty()) paths.push_back((path.parent_path() / entry).lexically_normal());
  }
  return paths;
}

// Applies a file's BASE files (depth first), then the file; `chain` holds the
// files being applied, to find cycles.
void apply_file(detail::ConfigBuilder& builder, const fs::path& path,
                std::vector<fs::path>& chain) {
  std::error_code unresolved;
  fs::path identity = fs::weakly_canonical(fs::absolute(path), unresolved);
  if (unresolved) identity = fs::absolute(path).lexically_normal();
  const auto cycle_start = std::find(chain.begin(), chain.end(), identity);
  if (cycle_start != chain.end()) {
    std::string cycle;
    for (auto it = cycle_start; it != chain.end(); ++it) cycle += it->string() + " -> ";
    throw Error("config BASE cycle: " + cycle + identity.string());
  }
  const std::string included_by = chain.empty() ? "" : chain.back().string();
  const YAML::Node document = read_yaml_file(path, included_by);
  chain.push_back(identity);
  for (const fs::path& base : base_paths(document, path)) apply_file(builder, base, chain);
  builder.apply_document(document, path.string(), {"BASE"});
  chain.pop_back();
}

// Sets `value` at the dotted `key` under `root`, creating the maps on the way.
void insert_at(YAML::Node& root, const std::string& key, const YAML::Node& value) {
  YAML::Node node = root;
  std::size_t begin = 0;
  for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', begin)) {
    YAML::Node child = node[key.substr(begin, dot - begin)];
    node.reset(child);
    begin = dot + 1;
  }
  node[key.substr(begin)] = value;
}

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& opts) {
  detail::ConfigBuilder builder;
  std::vector<fs::path> chain;
  if (!path.empty()) apply_file(builder, fs::path(path), chain);
  builder.apply_opts(opts);
  Config config = builder.finish();
  validate(config);
  return config;
}

Config from_yaml_string(const std::string& text, const std::string& source) {
  const YAML::Node document = parse_yaml(text, source);
  if (document.IsMap() && document["BASE"]) {
    throw Error("config key BASE in " + source + ": BASE is only supported in files");
  }
  detail::ConfigBuilder builder;
  builder.apply_document(document, source);
  Config config = builder.finish();
  validate(config);
  return config;
}

std::string to_yaml(const Config& config) {
  YAML::Node root(YAML::NodeType::Map);
  for (const detail::Field& field : detail::Schema::instance().fields()) {
    insert_at(root, field.key, field.write(config));
  }
  YAML::Emitter emitter;
  emitter << root;
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace swinpp::config

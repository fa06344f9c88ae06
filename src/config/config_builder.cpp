#include "config_builder.h"

#include "schema.h"
#include "swinpp/util/error.h"
#include "yaml_value.h"

namespace swinpp::config::detail {

namespace {

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// "MODEL.SWINV2" for "MODEL.SWINV2.FOO", "" for "FOO": the longest known section
// that contains `key`, where the unknown part starts.
std::string known_parent(const std::string& key) {
  const Schema& schema = Schema::instance();
  std::string parent = key;
  while (!parent.empty()) {
    const auto dot = parent.rfind('.');
    parent = dot == std::string::npos ? "" : parent.substr(0, dot);
    if (schema.is_section(parent)) return parent;
  }
  return "";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

void ConfigBuilder::apply_document(const YAML::Node& document, const std::string& source,
                                   const std::set<std::string>& skip) {
  if (document.IsNull()) return;
  if (!document.IsMap()) {
    throw Error("config " + source + ": expected a map of sections (DATA, MODEL, ...), found " +
                describe(document));
  }
  apply_map("", document, source, skip);
}

void ConfigBuilder::apply_opts(const std::vector<std::string>& opts) {
  if (opts.size() % 2 != 0) {
    throw Error("--opts: expected KEY VALUE pairs, found " + std::to_string(opts.size()) +
                " items; key '" + opts.back() + "' has no value");
  }
  for (std::size_t i = 0; i < opts.size(); i += 2) {
    const std::string& key = opts[i];
    const std::string& text = opts[i + 1];
    YAML::Node value;
    try {
      // An empty argument is the empty string, as '' would be in a file.
      value = text.empty() ? YAML::Node(std::string()) : YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw Error("config key " + key + " in --opts: value '" + text + "' is not valid YAML (" +
                  e.msg + ")");
    }
    if (key == "BASE") throw Error("config key BASE in --opts: BASE can only be set in a file");
    apply_entry(key, value, "--opts");
  }
}

Config ConfigBuilder::finish() const {
  Config config = config_;
  if (keys_set_.count("TRAIN.CHECKPOINT_STAGES") == 0) {
    config.train.checkpoint_stages.assign(config.model.swinv2.depths.size(),
                                          config.train.use_checkpoint);
  }
  return config;
}

void ConfigBuilder::apply_entry(const std::string& key, const YAML::Node& value,
                                const std::string& source) {
  const Schema& schema = Schema::instance();
  if (const Field* field = schema.find(key)) {
    field->read(config_, value, ValueSource{key, source});
    keys_set_.insert(key);
    return;
  }
  if (!schema.is_section(key)) throw_unknown_key(key, source);
  if (value.IsNull()) return;
  if (!value.IsMap()) {
    throw_value_error(ValueSource{key, source},
                      "a map of the keys " + join_names(schema.children(key)), describe(value));
  }
  apply_map(key, value, source, {});
}

void ConfigBuilder::apply_map(const std::string& prefix, const YAML::Node& map,
                              const std::string& source, const std::set<std::string>& skip) {
  std::set<std::string> seen;
  for (const auto& entry : map) {
    const std::string name = entry.first.Scalar();
    const std::string key = join_key(prefix, name);
    if (!seen.insert(name).second) {
      throw Error("config key " + key + " in " + source + ": given twice in the same map");
    }
    if (prefix.empty() && skip.count(name) > 0) continue;
    apply_entry(key, entry.second, source);
  }
}

void ConfigBuilder::throw_unknown_key(const std::string& key, const std::string& source) const {
  const std::string parent = known_parent(key);
  const std::string where = parent.empty() ? "at the top level" : "under " + parent;
  throw Error("config key " + key + " in " + source + ": unknown key; the keys " + where + " are " +
              join_names(Schema::instance().children(parent)));
}

}  // namespace swinpp::config::detail

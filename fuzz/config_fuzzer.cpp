/// Feeds each input as a YAML config file to load_config, with `--opts` overrides:
/// the text up to a line "#opts" is the file (its BASE entries resolve next to it),
/// every line after it one token of the --opts list. A config that loads must pass
/// validate() again, survive validate_for_simmim (or throw swinpp::Error), and
/// read back from to_yaml() unchanged. swinpp::Error is the documented outcome for
/// a bad file, key or value.

#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "swinpp/config/config_io.h"
#include "swinpp/config/validate.h"
#include "swinpp/util/error.h"

namespace {

/// The config text and the --opts tokens of one input.
struct ConfigInput {
  std::string yaml;
  std::vector<std::string> opts;
};

ConfigInput split_input(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string marker = "\n#opts\n";
  const size_t split = text.find(marker);
  ConfigInput input;
  input.yaml = text.substr(0, split);
  if (split == std::string::npos) return input;
  size_t begin = split + marker.size();
  while (begin <= text.size()) {
    const size_t end = std::min(text.find('\n', begin), text.size());
    input.opts.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = swinpp::fuzz::scratch_dir() / "config.yaml";
  const ConfigInput input = split_input(data, size);
  swinpp::fuzz::write_file(path, input.yaml.data(), input.yaml.size());
  swinpp::config::Config config;
  try {
    config = swinpp::config::load_config(path.string(), input.opts);
  } catch (const swinpp::Error&) {
    return 0;
  }
  swinpp::config::validate(config);
  try {
    swinpp::config::validate_for_simmim(config);
  } catch (const swinpp::Error&) {
  }
  const std::string yaml = swinpp::config::to_yaml(config);
  const swinpp::config::Config again = swinpp::config::from_yaml_string(yaml, "to_yaml");
  if (swinpp::config::to_yaml(again) != yaml) std::abort();
  return 0;
}

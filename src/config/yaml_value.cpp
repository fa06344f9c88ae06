#include "yaml_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "swinpp/util/error.h"

namespace swinpp::config::detail {

namespace {

// A quoted scalar carries the non-specific tag "!"; an explicit !!str tag also
// marks text. Plain scalars ("?") and nodes built in code (no tag) are typed by content.
bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

bool is_plain_scalar(const YAML::Node& node) { return node.IsScalar() && !is_quoted(node); }

// Strips one leading '+', which std::from_chars does not take.
std::string_view number_text(const std::string& text) {
  std::string_view view(text);
  if (!view.empty() && view.front() == '+') view.remove_prefix(1);
  return view;
}

bool parse_int(const YAML::Node& node, int64_t& out) {
  if (!is_plain_scalar(node)) return false;
  const std::string_view text = number_text(node.Scalar());
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, out);
  return !text.empty() && result.ec == std::errc() && result.ptr == end;
}

bool parse_double(const YAML::Node& node, double& out) {
  if (!is_plain_scalar(node)) return false;
  const std::string_view text = number_text(node.Scalar());
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, out);
  return !text.empty() && result.ec == std::errc() && result.ptr == end && std::isfinite(out);
}

bool parse_bool(const YAML::Node& node, bool& out) {
  return is_plain_scalar(node) && YAML::convert<bool>::decode(node, out);
}

// Reads a list element by element with `parse`, naming the first bad element.
template <typename T, typename Parse>
std::vector<T> decode_list(const YAML::Node& node, const ValueSource& source,
                           const std::string& expected, Parse parse) {
  if (!node.IsSequence()) throw_value_error(source, expected, describe(node));
  std::vector<T> values;
  for (std::size_t i = 0; i < node.size(); ++i) {
    T value{};
    if (!parse(node[i], value)) {
      throw_value_error(source, expected,
                        "element " + std::to_string(i) + " = " + describe(node[i]));
    }
    values.push_back(value);
  }
  return values;
}

template <typename List>
YAML::Node flow_list(const List& values) {
  YAML::Node node(YAML::NodeType::Sequence);
  for (const auto& value : values) node.push_back(encode(value));
  node.SetStyle(YAML::EmitterStyle::Flow);
  return node;
}

}  // namespace

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null (no value)";
  if (node.IsScalar()) {
    return (is_quoted(node) ? "the quoted string '" : "'") + node.Scalar() + "'";
  }
  if (node.IsSequence()) return "a list of " + std::to_string(node.size()) + " items";
  return "a map";
}

void throw_value_error(const ValueSource& source, const std::string& expected,
                       const std::string& found) {
  throw Error("config key " + source.key + " in " + source.file + ": expected " + expected +
              ", found " + found);
}

void decode(const YAML::Node& node, const ValueSource& source, int64_t& out) {
  if (!parse_int(node, out)) throw_value_error(source, "an integer", describe(node));
}

void decode(const YAML::Node& node, const ValueSource& source, double& out) {
  if (!parse_double(node, out)) throw_value_error(source, "a finite number", describe(node));
}

void decode(const YAML::Node& node, const ValueSource& source, bool& out) {
  if (!parse_bool(node, out)) throw_value_error(source, "true or false", describe(node));
}

void decode(const YAML::Node& node, const ValueSource& source, std::string& out) {
  if (!node.IsScalar()) throw_value_error(source, "a string", describe(node));
  out = node.Scalar();
}

void decode(const YAML::Node& node, const ValueSource& source, std::vector<int64_t>& out) {
  out = decode_list<int64_t>(node, source, "a list of integers", parse_int);
}

void decode(const YAML::Node& node, const ValueSource& source, std::vector<bool>& out) {
  out = decode_list<bool>(node, source, "a list of true/false", parse_bool);
}

void decode(const YAML::Node& node, const ValueSource& source, std::array<double, 2>& out) {
  const std::string expected = "a list of 2 numbers";
  const auto values = decode_list<double>(node, source, expected, parse_double);
  if (values.size() != 2) throw_value_error(source, expected, describe(node));
  out = {values[0], values[1]};
}

void decode(const YAML::Node& node, const ValueSource& source,
            std::optional<std::array<double, 2>>& out) {
  if (node.IsNull()) {
    out.reset();
    return;
  }
  if (!node.IsSequence()) throw_value_error(source, "null or a list of 2 numbers", describe(node));
  std::array<double, 2> values{};
  decode(node, source, values);
  out = values;
}

std::string format_double(double value) {
  char text[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  std::string result(text);
  const auto exponent = result.find_first_of("eE");
  const bool has_point = result.find('.') != std::string::npos;
  if (!has_point && std::isfinite(value)) {
    result.insert(exponent == std::string::npos ? result.size() : exponent, ".0");
  }
  return result;
}

YAML::Node encode(int64_t value) { return YAML::Node(std::to_string(value)); }

YAML::Node encode(double value) { return YAML::Node(format_double(value)); }

YAML::Node encode(bool value) { return YAML::Node(value ? "true" : "false"); }

YAML::Node encode(const std::string& value) { return YAML::Node(value); }

YAML::Node encode(const std::vector<int64_t>& value) { return flow_list(value); }

YAML::Node encode(const std::vector<bool>& value) { return flow_list(value); }

YAML::Node encode(const std::array<double, 2>& value) { return flow_list(value); }

YAML::Node encode(const std::optional<std::array<double, 2>>& value) {
  return value ? encode(*value) : YAML::Node(YAML::NodeType::Null);
}

}  // namespace swinpp::config::detail

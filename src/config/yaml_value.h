#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Typed reading and writing of single config values as YAML nodes. Reading is
// strict: numbers and booleans must be plain (unquoted) scalars of their type.
namespace swinpp::config::detail {

/// Where a value comes from: its dotted key and the file (or "--opts").
struct ValueSource {
  std::string key;
  std::string file;
};

/// A short description of a node for error messages: the scalar text, "null",
/// "a list of N items" or "a map".
std::string describe(const YAML::Node& node);

/// Throws swinpp::Error: "config key KEY in FILE: expected EXPECTED, found ...".
[[noreturn]] void throw_value_error(const ValueSource& source, const std::string& expected,
                                    const std::string& found);

/// Reads an integer.
void decode(const YAML::Node& node, const ValueSource& source, int64_t& out);
/// Reads a finite number (integers are accepted).
void decode(const YAML::Node& node, const ValueSource& source, double& out);
/// Reads true/false (YAML spellings: true, True, TRUE, yes, on, ...).
void decode(const YAML::Node& node, const ValueSource& source, bool& out);
/// Reads any scalar as text.
void decode(const YAML::Node& node, const ValueSource& source, std::string& out);
/// Reads a list of integers.
void decode(const YAML::Node& node, const ValueSource& source, std::vector<int64_t>& out);
/// Reads a list of booleans.
void decode(const YAML::Node& node, const ValueSource& source, std::vector<bool>& out);
/// Reads a list of exactly two numbers.
void decode(const YAML::Node& node, const ValueSource& source, std::array<double, 2>& out);
/// Reads null (no value) or a list of exactly two numbers.
void decode(const YAML::Node& node, const ValueSource& source,
            std::optional<std::array<double, 2>>& out);

/// The shortest decimal text that reads back as exactly `value`, always with a
/// '.' in the mantissa ("5.0", "1.0e-08") so that YAML 1.1 readers see a float.
std::string format_double(double value);

/// Writes an integer.
YAML::Node encode(int64_t value);
/// Writes a number with format_double().
YAML::Node encode(double value);
/// Writes true or false.
YAML::Node encode(bool value);
/// Writes text (quoted by the emitter where it would read back as something else).
YAML::Node encode(const std::string& value);
/// Writes a flow-style list of integers.
YAML::Node encode(const std::vector<int64_t>& value);
/// Writes a flow-style list of booleans.
YAML::Node encode(const std::vector<bool>& value);
/// Writes a flow-style list of two numbers.
YAML::Node encode(const std::array<double, 2>& value);
/// Writes null or a flow-style list of two numbers.
YAML::Node encode(const std::optional<std::array<double, 2>>& value);

}  // namespace swinpp::config::detail

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace intentd::cfg {

/// Reads one scalar strictly. Each returns an empty string on success, else
/// the problem ("expected an unsigned integer, got \"two\"").
std::string read_scalar(const YAML::Node& node, bool& out);
std::string read_scalar(const YAML::Node& node, uint32_t& out);
std::string read_scalar(const YAML::Node& node, uint64_t& out);
std::string read_scalar(const YAML::Node& node, double& out);
std::string read_scalar(const YAML::Node& node, std::string& out);
/// A list of strings ("[a, b]"); an empty list is fine.
std::string read_scalar(const YAML::Node& node, std::vector<std::string>& out);

/// Names what a node holds for an error message: "nothing", "a map",
/// "a sequence" or the quoted scalar text.
std::string describe(const YAML::Node& node);

/// The shortest text that reads back as the same double, with a decimal
/// point or exponent ("0.0", "0.25", "1e-07").
std::string format_double(double value);

/// Text of a number for messages.
inline std::string to_text(uint32_t value) {
  return std::to_string(value);
}
inline std::string to_text(uint64_t value) {
  return std::to_string(value);
}
inline std::string to_text(double value) {
  return format_double(value);
}

} // namespace intentd::cfg

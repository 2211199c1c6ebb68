#include "config/scalar.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace intentd::cfg {

namespace {

std::string quote(const std::string& text) {
  std::string result = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      result += '\\';
    result += c;
  }
  return result + "\"";
}

bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

std::string expected(const std::string& what, const YAML::Node& node) {
  std::string problem = "expected " + what + ", got " + describe(node);
  if (node.IsScalar() && is_quoted(node))
    problem += " (a quoted string; remove the quotes)";
  return problem;
}

template<class T>
std::string read_unsigned(const YAML::Node& node, T& out) {
  const char* what = "an unsigned integer";
  if (!node.IsScalar() || is_quoted(node))
    return expected(what, node);
  const std::string& text = node.Scalar();
  if (text.empty())
    return expected(what, node);
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return expected(what, node);
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<T>::max() - digit) / 10)
      return expected(std::string{what} + " no larger than " +
                          std::to_string(std::numeric_limits<T>::max()),
                      node);
    value = value * 10 + digit;
  }
  out = static_cast<T>(value);
  return {};
}

} // namespace

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull())
    return "nothing";
  if (node.IsMap())
    return "a map";
  if (node.IsSequence())
    return "a sequence";
  return quote(node.Scalar());
}

std::string read_scalar(const YAML::Node& node, bool& out) {
  if (node.IsScalar() && !is_quoted(node)) {
    if (node.Scalar() == "true") {
      out = true;
      return {};
    }
    if (node.Scalar() == "false") {
      out = false;
      return {};
    }
  }
  return expected("true or false", node);
}

std::string read_scalar(const YAML::Node& node, uint32_t& out) {
  return read_unsigned(node, out);
}

std::string read_scalar(const YAML::Node& node, uint64_t& out) {
  return read_unsigned(node, out);
}

std::string read_scalar(const YAML::Node& node, double& out) {
  if (!node.IsScalar() || is_quoted(node))
    return expected("a number", node);
  const std::string& text = node.Scalar();
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '-')
    ++first;
  if (first == last ||
      !(std::isdigit(static_cast<unsigned char>(*first)) || *first == '.'))
    return expected("a number", node);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), last, value);
  if (ec != std::errc{} || end != last || !std::isfinite(value))
    return expected("a number", node);
  out = value;
  return {};
}

std::string read_scalar(const YAML::Node& node, std::string& out) {
  if (!node.IsScalar())
    return expected("a string", node);
  out = node.Scalar();
  return {};
}

std::string read_scalar(const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsNull()) {
    out.clear();
    return {};
  }
  if (!node.IsSequence())
    return expected("a list of strings", node);
  std::vector<std::string> result;
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar())
      return "item " + std::to_string(i) + ": " + expected("a string", node[i]);
    result.push_back(node[i].Scalar());
  }
  out = std::move(result);
  return {};
}

std::string format_double(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, ec == std::errc{} ? end : buffer);
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace intentd::cfg

#include "config/checks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "config/host_port.hpp"
#include "config/suggest.hpp"

namespace intentd::cfg {

namespace {

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool has_nonzero_digit(const std::string& text) {
  return text.find_first_of("123456789") != std::string::npos;
}

std::string join(const std::vector<std::string>& names) {
  std::string result;
  for (const auto& name : names)
    result += (result.empty() ? "" : ", ") + name;
  return result;
}

} // namespace

std::string one_of::operator()(const std::string& value) const {
  if (std::find(names.begin(), names.end(), value) != names.end())
    return {};
  std::string problem = "unknown " + what + " \"" + value + "\"";
  if (auto near = nearest(value, names); !near.empty())
    problem += "; did you mean `" + near + "`?";
  else
    problem += ";";
  return problem + " known " + what + "s: " + join(names);
}

std::string each_of::operator()(const std::vector<std::string>& values) const {
  for (const auto& v : values)
    if (auto problem = one_of{names, what}(v); !problem.empty())
      return problem;
  return {};
}

std::string check_addresses(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET, v.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, v.c_str(), buf) != 1)
      return "expected IP addresses such as \"127.0.0.1\" or \"::1\", got \"" +
             v + "\"";
  }
  return {};
}

std::string check_non_empty(const std::string& value) {
  return value.empty() ? "must not be empty" : "";
}

std::string check_listen(const std::string& value) {
  return parse_host_port(value).error;
}

std::string check_positive_integer(const std::string& value) {
  if (all_digits(value) && has_nonzero_digit(value))
    return {};
  return "expected a positive whole number in decimal digits such as "
         "\"1000000\", got \"" +
         value + "\"";
}

std::string check_positive_decimal(const std::string& value) {
  const auto dot = value.find('.');
  const std::string whole = value.substr(0, dot);
  const std::string fraction =
      dot == std::string::npos ? "1" : value.substr(dot + 1);
  if (all_digits(whole) && all_digits(fraction) && has_nonzero_digit(value))
    return {};
  return "expected a positive decimal number such as \"5\" or \"0.25\", got "
         "\"" +
         value + "\"";
}

std::string check_token_id(const std::string& value) {
  if (value.empty())
    return "must not be empty";
  if (has_space(value))
    return "must not contain spaces, got \"" + value + "\"";
  return {};
}

std::string check_hex_key(const std::string& value) {
  bool hex =
      value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      });
  return hex ? std::string{}
             : "must be 64 hex digits (an ed25519 public key), got \"" + value +
                   "\"";
}

std::string check_api_keys(const std::vector<std::string>& value) {
  for (const auto& key : value) {
    if (key.size() < 16)
      return "each key must be at least 16 characters long";
    for (char c : key)
      if (std::isspace(static_cast<unsigned char>(c)) != 0 ||
          std::iscntrl(static_cast<unsigned char>(c)) != 0)
        return "a key must not contain whitespace";
  }
  return {};
}

std::string check_solver_id(const std::string& value) {
  const bool ok = !value.empty() && value.size() <= 64 &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                           c == '_' || c == '-' || c == '.';
                  });
  if (ok)
    return {};
  return "expected 1 to 64 characters of a-z, A-Z, 0-9, '_', '-' and '.', "
         "got \"" +
         value + "\"";
}

std::string check_external_solvers(const std::vector<external_solver>& list) {
  const auto lower = [](std::string text) {
    for (char& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const auto item = [](std::size_t i) {
    return "external[" + std::to_string(i) + "]";
  };
  for (std::size_t i = 0; i < list.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (list[i].solver_id == list[j].solver_id)
        return item(i) + " has the same solver_id as " + item(j) + " (\"" +
               list[i].solver_id + "\"); each solver needs its own";
      // A challenge signature names no solver: a shared key would let one
      // solver sign in as the other.
      if (lower(list[i].public_key) == lower(list[j].public_key))
        return item(i) + " has the same public_key as " + item(j) +
               "; each solver needs its own key";
    }
  return {};
}

} // namespace intentd::cfg

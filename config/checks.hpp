#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/scalar.hpp"

namespace intentd::cfg {

/// A check that accepts every value.
struct no_check {
  template<class T>
  std::string operator()(const T&) const {
    return {};
  }
};

/// Accepts values in [lo, hi]; `unit` is appended to the bounds in messages
/// (" bytes").
template<class T>
auto in_range(T lo, T hi, std::string unit = {}) {
  return [lo, hi, unit](const T& value) -> std::string {
    if (value >= lo && value <= hi)
      return {};
    return "must be between " + to_text(lo) + unit + " and " + to_text(hi) +
           unit + ", got " + to_text(value);
  };
}

/// Accepts values of at least `lo`.
template<class T>
auto at_least(T lo) {
  return [lo](const T& value) -> std::string {
    if (value >= lo)
      return {};
    return "must be at least " + to_text(lo) + ", got " + to_text(value);
  };
}

/// Accepts values of at most `hi`.
template<class T>
auto at_most(T hi) {
  return [hi](const T& value) -> std::string {
    if (value <= hi)
      return {};
    return "must be at most " + to_text(hi) + ", got " + to_text(value);
  };
}

/// Accepts one of `names`; the message lists them as "known <what>".
struct one_of {
  std::vector<std::string> names;
  std::string what;
  std::string operator()(const std::string& value) const;
};

/// Accepts lists whose every item is one of `names`.
struct each_of {
  std::vector<std::string> names;
  std::string what;
  std::string operator()(const std::vector<std::string>& values) const;
};

/// Accepts lists of IPv4 or IPv6 addresses ("127.0.0.1", "::1").
std::string check_addresses(const std::vector<std::string>& values);

/// Rejects an empty string.
std::string check_non_empty(const std::string& value);

/// Accepts "host:port" or "[ipv6]:port" with a port in 0..65535.
std::string check_listen(const std::string& value);

/// Accepts a positive whole number in decimal digits ("1000000").
std::string check_positive_integer(const std::string& value);

/// Accepts a positive decimal number ("5", "0.25").
std::string check_positive_decimal(const std::string& value);

/// Accepts a non-empty token id without whitespace.
std::string check_token_id(const std::string& value);

/// Accepts 64 hex digits (an ed25519 public key).
std::string check_hex_key(const std::string& value);

/// Accepts 1 to 64 characters of a-z, A-Z, 0-9, '_', '-' and '.'.
std::string check_solver_id(const std::string& value);

/// Rejects two external solvers with the same solver_id or the same
/// public_key, naming both entries ("external[1] ... external[0]").
std::string check_external_solvers(const std::vector<external_solver>& list);

/// Accepts API keys of at least 16 characters without whitespace.
std::string check_api_keys(const std::vector<std::string>& value);

} // namespace intentd::cfg

#pragma once

#include <stdexcept>
#include <string>

#include "config/config.hpp"

namespace intentd::cfg {

/// A config that cannot be used; what() names the key path and line, e.g.
/// "chain.simulated.latncy_ms (line 7): unknown key; did you mean
/// `latency_ms`? valid keys: latency_ms, failure_rate, ...".
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Parses and validates YAML text. Throws config_error.
config parse(const std::string& yaml_text);

/// Reads and parses a file. Throws config_error (also when unreadable).
config load_file(const std::string& path);

/// Renders a config back as YAML, every key with its effective value.
std::string to_yaml(const config& c);

} // namespace intentd::cfg

#pragma once

// What an intentd::config holds: the validated config and the YAML it was
// made from, which config::set edits.

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "intentd/config.hpp"

namespace intentd {

struct config::impl {
  cfg::config value;
  /// The keys given so far (a map; empty for every default).
  YAML::Node doc{YAML::NodeType::Map};
};

} // namespace intentd

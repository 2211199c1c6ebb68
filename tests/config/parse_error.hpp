#pragma once

#include <string>

#include "config/load.hpp"

namespace intentd::cfg::test {

/// The message parse() refuses `text` with, or "no error".
inline std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace intentd::cfg::test

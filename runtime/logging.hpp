#pragma once

#include "config/config.hpp"

namespace intentd {

/// Sets spdlog's level and format ("text", or "json": one object per line
/// with time, level and msg) from the logging section.
void setup_logging(const cfg::logging& opts);

} // namespace intentd

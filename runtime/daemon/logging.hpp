#pragma once

#include <memory>

#include <spdlog/formatter.h>

#include "config/config.hpp"

namespace intentd {

/// Sets spdlog's level and format ("text", or "json": one object per line
/// with time, level and msg) from the logging section.
void setup_logging(const cfg::logging& opts);

/// The JSON line formatter: time, level, msg, and for lines logged through
/// log_intent (actors/intent_log.hpp) intent_id, user, status and solver.
std::unique_ptr<spdlog::formatter> make_json_formatter();

} // namespace intentd

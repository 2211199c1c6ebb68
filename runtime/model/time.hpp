#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/intent.hpp"

namespace intentd {

/// Parses RFC 3339 UTC ("2026-11-22T10:05:00Z", "...:00.25Z", or an offset
/// such as "+01:00"); nullopt when malformed or out of range.
std::optional<time_us> parse_rfc3339(std::string_view text);

/// Formats as "2026-11-22T10:05:00.123456Z" (fraction only when non-zero,
/// trimmed of trailing zeros).
std::string format_rfc3339(time_us t);

/// The wall clock, for code at the edges (actors take time from their clock).
time_us wall_clock_now();

} // namespace intentd

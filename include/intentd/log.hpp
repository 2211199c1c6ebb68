#pragma once

#include <functional>
#include <string>

namespace intentd {

enum class log_level { trace, debug, info, warn, error, critical };

/// "info", "warn", ...
const char* to_string(log_level level);

/// Receives every log line of the library: its level and its text (the
/// message alone, without time or level; logging.format in the config
/// shapes the daemon's own output, not this). Called on the thread that
/// logs, possibly several at once: make it thread-safe and quick.
using log_sink = std::function<void(log_level level, const std::string& line)>;

/// Sends the library's log lines to `sink` instead of standard error, for
/// the whole process (every engine in it); an empty sink restores standard
/// error. Lines below `min_level` are not made at all. Call it while no
/// engine runs (before the first starts, after the last stopped): the
/// switch itself is not synchronised with lines being logged.
void set_log_sink(log_sink sink, log_level min_level = log_level::info);

} // namespace intentd

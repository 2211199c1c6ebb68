#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <spdlog/spdlog.h>

#include "runtime/model/intent.hpp"

namespace intentd {

/// What a log line about one intent carries besides its message. In JSON
/// log mode these become the fields "intent_id", "user", "status" and
/// "solver" of the line; text mode prints the message alone.
struct intent_log_fields {
  std::string_view id;
  std::string_view user;
  std::string_view status;
  std::string_view solver; // empty until a solver holds the intent
};

intent_log_fields log_fields(const intent_record& rec);
intent_log_fields log_fields(const intent& in, std::string_view status,
                             std::string_view solver = {});

/// The fields of the intent whose line is being formatted on this thread,
/// or null; read by the JSON formatter. Valid because spdlog's default
/// logger formats synchronously on the calling thread.
const intent_log_fields* current_intent_log_fields();

namespace detail {

/// Publishes `f` to current_intent_log_fields() for its lifetime.
class intent_log_scope {
public:
  explicit intent_log_scope(const intent_log_fields& f);
  ~intent_log_scope();
  intent_log_scope(const intent_log_scope&) = delete;
  intent_log_scope& operator=(const intent_log_scope&) = delete;

private:
  const intent_log_fields* previous_;
};

} // namespace detail

/// Logs a line about one intent: every log call about an intent goes
/// through here so that JSON lines carry its id, user, status and solver.
template<class... Ts>
void log_intent(spdlog::level::level_enum level, const intent_log_fields& f,
                spdlog::format_string_t<Ts...> fmt, Ts&&... args) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level))
    return;
  detail::intent_log_scope scope{f};
  logger->log(level, fmt, std::forward<Ts>(args)...);
}

} // namespace intentd

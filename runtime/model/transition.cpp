#include "runtime/model/transition.hpp"

namespace intentd {

const char* to_string(intent_event ev) {
  switch (ev) {
  case intent_event::verify_ok:
    return "verify_ok";
  case intent_event::verify_failed:
    return "verify_failed";
  case intent_event::dispatch:
    return "dispatch";
  case intent_event::execute_ok:
    return "execute_ok";
  case intent_event::execute_failed:
    return "execute_failed";
  case intent_event::deadline:
    return "deadline";
  case intent_event::cancel:
    return "cancel";
  case intent_event::retry:
    return "retry";
  case intent_event::abandon:
    return "abandon";
  }
  return "unknown";
}

std::optional<intent_status> next_status(intent_status from, intent_event ev) {
  using s = intent_status;
  using e = intent_event;
  if (ev == e::abandon)
    return is_terminal(from) ? std::nullopt : std::optional{s::failed};
  switch (from) {
  case s::pending:
    switch (ev) {
    case e::verify_ok:
      return s::verified;
    case e::verify_failed:
      return s::failed;
    case e::deadline:
      return s::expired;
    case e::cancel:
      return s::cancelled;
    default:
      return std::nullopt;
    }
  case s::verified:
    switch (ev) {
    case e::dispatch:
      return s::executing;
    case e::deadline:
      return s::expired;
    case e::cancel:
      return s::cancelled;
    default:
      return std::nullopt;
    }
  case s::executing:
    switch (ev) {
    case e::execute_ok:
      return s::completed;
    case e::execute_failed:
      return s::failed;
    default:
      return std::nullopt;
    }
  case s::failed:
    if (ev == e::retry)
      return s::pending;
    return std::nullopt;
  case s::completed:
  case s::expired:
  case s::cancelled:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace intentd

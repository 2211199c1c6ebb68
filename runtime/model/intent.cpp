#include "runtime/model/intent.hpp"

#include <iterator>

namespace intentd {

namespace {

constexpr const char* action_names[] = {"swap", "transfer", "stake"};

constexpr const char* status_names[intent_status_count] = {
    "pending", "verified", "executing", "completed",
    "failed",  "expired",  "cancelled",
};

} // namespace

const char* to_string(action_kind kind) {
  auto index = static_cast<size_t>(kind);
  return index < std::size(action_names) ? action_names[index] : "unknown";
}

std::optional<action_kind> parse_action(std::string_view text) {
  for (size_t i = 0; i < std::size(action_names); ++i)
    if (text == action_names[i])
      return static_cast<action_kind>(i);
  return std::nullopt;
}

const char* to_string(intent_status status) {
  auto index = static_cast<size_t>(status);
  return index < std::size(status_names) ? status_names[index] : "unknown";
}

std::optional<intent_status> parse_status(std::string_view text) {
  for (size_t i = 0; i < std::size(status_names); ++i)
    if (text == status_names[i])
      return static_cast<intent_status>(i);
  return std::nullopt;
}

bool is_terminal(intent_status status) {
  switch (status) {
  case intent_status::completed:
  case intent_status::failed:
  case intent_status::expired:
  case intent_status::cancelled:
    return true;
  default:
    return false;
  }
}

} // namespace intentd

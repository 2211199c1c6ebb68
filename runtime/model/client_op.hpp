#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace intentd {

/// What a subscription is to: one intent or every intent of one account.
enum class subscription_target : uint8_t { intent, user };

/// "intent" / "user".
const char* to_string(subscription_target target);

/// A WebSocket client's request: (un)subscribe to an intent or a user.
struct client_op {
  bool subscribe = true;
  subscription_target target = subscription_target::intent;
  std::string key; // the intent id or the user account
  /// A read token proving the account (subscribe-user); empty when none.
  std::string token;
};

/// Why a client message was refused: a stable code and a sentence.
struct client_op_error {
  std::string code; // "invalid_json", "unknown_op", "missing_field", ...
  std::string message;
};

/// Parses one text frame: {"op":"subscribe-intent","intent_id":"..."},
/// "unsubscribe-intent", "subscribe-user" / "unsubscribe-user" with
/// "user_account"; subscribe-user may carry a read token as "token".
std::variant<client_op, client_op_error> parse_client_op(std::string_view text);

} // namespace intentd

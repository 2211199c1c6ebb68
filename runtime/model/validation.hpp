#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

struct validation_limits {
  /// Largest amount of any token in one intent, in whole tokens.
  units max_amount_tokens = 1'000'000'000;
  time_us max_lifetime = 7ll * 24 * 3600 * 1'000'000;
  time_us default_lifetime = 3600ll * 1'000'000;
  uint32_t max_id_length = 64;
  /// Largest accepted body, before JSON parsing.
  size_t max_body = 64 * 1024;
};

struct parsed_intent {
  intent value;
  /// Hex SHA-256 of the canonical form of the submitted JSON object, so that
  /// the same body sent twice compares equal whatever its key order.
  std::string body_digest;
};

/// Parses and validates a submission body. On failure the problem has code
/// invalid_intent and one detail per bad field (JSON syntax errors, duplicate
/// keys and wrong top-level types too). A field of another action
/// (`recipient` on a swap; `output_token`, `min_output_amount` or
/// `max_slippage` on a transfer or stake) is refused like an unknown one,
/// and so is a `public_key` without a `signature`. An absent `id` stays
/// empty.
outcome<parsed_intent> parse_intent(std::string_view body,
                                    const token_registry& tokens,
                                    const validation_limits& limits,
                                    time_us now);

/// NEAR-style account ids: 2..64 chars of [a-z0-9._-], separators not
/// doubled nor at the ends.
bool valid_account(std::string_view account);

/// Client-chosen ids: 1..max_len chars of [A-Za-z0-9_-].
bool valid_intent_id(std::string_view id, uint32_t max_len);

/// A fresh server-side id: "int_" followed by 36 lowercase hex digits, the
/// first 12 the milliseconds of `now`, so that ids sort by creation time,
/// the other 24 random bits (96) from the CSPRNG. Empty when the system
/// has no entropy to give.
std::string generate_intent_id(time_us now);
/// generate_intent_id at the wall clock's now.
std::string generate_intent_id();

} // namespace intentd

#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/model/intent.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

/// What the engine asks external solvers about one verified intent, and
/// when it asked.
struct quote_request {
  std::string request_id;
  std::string intent_id;
  action_kind action = action_kind::swap;
  std::string input_token;
  uint8_t input_decimals = 0;
  units input_amount = 0;
  std::string output_token; // swap only
  uint8_t output_decimals = 0;
  units min_output_amount = 0; // swap only
  std::string recipient;       // transfer, stake
  /// The quote window (solvers.quote_window_ms).
  uint32_t respond_within_ms = 0;
  /// When the request was sent; the window closes respond_within_ms later.
  time_us sent_at = 0;

  time_us closes_at() const {
    return sent_at + time_us{respond_within_ms} * 1000;
  }

  /// The decimals of the token output_amount is in: the output token's for
  /// a swap, the input token's for a transfer or stake.
  uint8_t quoted_decimals() const {
    return action == action_kind::swap ? output_decimals : input_decimals;
  }
};

/// The request for `in`; nullopt when a token of it is unknown to `tokens`.
std::optional<quote_request> make_quote_request(const intent& in,
                                                const token_registry& tokens,
                                                std::string request_id,
                                                uint32_t respond_within_ms,
                                                time_us sent_at);

} // namespace intentd

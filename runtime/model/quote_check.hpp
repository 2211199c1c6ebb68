#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/model/lru_table.hpp"
#include "runtime/model/quote_request.hpp"
#include "runtime/model/solver_quote.hpp"

namespace intentd {

/// Why a quote was ignored; each is counted apart.
enum class quote_reject : uint8_t {
  late,          // arrived when the window had closed
  bad_signature, // not signed by the solver's key over the canonical quote
  expired,       // valid_until not after its arrival
  replayed,      // its signature, or the solver's answer to the request, seen
  wrong_intent,  // names another intent than the request
  wrong_request, // names another request
  below_minimum, // swap: under min_output_amount; else under input_amount
  malformed,     // amounts or valid_until unfit for the request's tokens
};

constexpr int quote_reject_count = 8;

/// "late", "bad_signature", ... as above.
const char* to_string(quote_reject r);

struct quote_rejection {
  quote_reject reason = quote_reject::malformed;
  std::string message; // a sentence, for the solver's error frame or a log
};

/// A quote that passed check_quote, its amounts in base units.
struct accepted_quote {
  std::string solver_id;
  solver_quote quote; // as sent: what its signature covers
  units output_amount = 0;
  units fee = 0;
  time_us valid_until = 0;
  time_us arrived_at = 0;
};

struct quote_limits {
  /// How far beyond its arrival a quote may stay valid.
  time_us max_valid_for = 600ll * 1'000'000;
  /// Largest amount of any token in a quote, in whole tokens (as
  /// validation_limits::max_amount_tokens for intents).
  units max_amount_tokens = 1'000'000'000;
};

/// The quotes already taken, so that none is taken twice: by signature
/// (whatever its hex case) and by (solver, request). Holds at most
/// `capacity` entries (least recently used go first); an entry is dropped
/// once its quote has expired and its window closed, since check_quote
/// refuses such a quote as expired or late anyway.
class quote_replay_guard {
public:
  explicit quote_replay_guard(size_t capacity = 65'536);

  /// True when the signature, or an answer of `solver_id` to `request_id`,
  /// was recorded and has not been dropped.
  bool seen(std::string_view solver_id, std::string_view request_id,
            std::string_view signature_hex);

  /// Records a taken quote until `keep_until`; drops entries stale at `now`.
  void record(std::string_view solver_id, std::string_view request_id,
              std::string_view signature_hex, time_us keep_until, time_us now);

  size_t size() const { return table_.size(); }
  uint64_t evictions() const { return table_.evictions(); }

private:
  lru_table<time_us> table_;
};

/// Checks a quote from `solver_id`, whose raw 32-byte ed25519 key is
/// `public_key`, that arrived at `arrived_at` for `r`. In this order:
/// wrong_request, wrong_intent, malformed (an amount with more decimals
/// than its token or above the limit, a bad valid_until or one more than
/// max_valid_for ahead, output_amount above input_amount on a transfer or
/// stake), bad_signature, late (at or after r.closes_at()), expired
/// (valid_until at or before arrival), replayed, below_minimum. A quote
/// that passes is recorded in `replays` and returned with its amounts.
std::variant<accepted_quote, quote_rejection>
check_quote(const quote_request& r, const solver_quote& q,
            std::string_view solver_id, std::string_view public_key,
            time_us arrived_at, const quote_limits& limits,
            quote_replay_guard& replays);

} // namespace intentd

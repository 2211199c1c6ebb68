#pragma once

// The plain data the engine's actors exchange beyond the domain types of
// runtime/model: no callbacks, no pointers. Their inspect overloads and type
// ids are in actors/message_types.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "persistence/intent_store.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/solver_quote.hpp"

namespace intentd {

/// The answer to a submission: the record, and whether this call created it.
struct submit_reply {
  intent_record record;
  bool created = false;
};

/// One solver's counters and whether it is currently used.
struct solver_report {
  solver_stats stats;
  bool healthy = true;
};

/// Figures of a notifier, for tests and metrics.
struct notifier_stats {
  uint64_t subscribers = 0;
  uint64_t subscriptions = 0;
  uint64_t dropped_slow = 0; // subscribers whose sink refused a notice
  uint64_t delivered = 0;    // notices accepted by sinks
};

/// The intent that used an account's nonce, if one did.
struct nonce_owner {
  std::optional<std::string> intent_id;
};

/// Requests refused per rate-limit rule: {rule name, count}.
using rate_limited_counts = std::vector<std::pair<std::string, uint64_t>>;

/// A quote the auction accepted, with who sent it and its amounts in base
/// units (output_amount in the output token for a swap, else the input
/// token; fee in the input token).
struct auction_quote {
  std::string solver_id;
  std::string account; // the solver's account on the chain
  solver_quote quote;  // as sent: what its signature covers
  units output_amount = 0;
  units fee = 0;
  time_us valid_until = 0;
  time_us arrived_at = 0;
};

/// The outcome of one auction: the valid quotes ranked by the selection
/// rule, winner first. Empty: no quote, the built-in solvers take it.
struct auction_result {
  std::string request_id; // empty when no solver was asked
  std::vector<auction_quote> ranked;
  uint32_t asked = 0; // solvers sent the request
  uint32_t valid = 0; // quotes that passed the checks and still count
};

/// One external solver as GET /api/v1/solvers lists it.
struct external_solver_report {
  std::string solver_id;
  std::string account;
  std::string kind = "external";
  bool connected = false;
  bool resting = false;
  time_us resting_until = 0; // 0 before the first rest
  uint64_t asked = 0;        // quote requests sent
  uint64_t answered = 0;     // requests it sent a quote for
  uint64_t valid = 0;        // quotes that passed the checks
  uint64_t won = 0;          // auctions it was assigned
  uint64_t settled = 0;
  uint64_t failed = 0; // settlements that failed
  uint32_t consecutive_failures = 0;
  double mean_response_ms = 0; // from request to quote, over answered ones
  /// From assigned to the settlement's outcome, over settled and failed.
  double mean_settlement_ms = 0;
  double success_rate = 0; // settled / (settled + failed); 0 when none
  /// Quotes and frames refused, by reason: a quote_reject name or a frame
  /// error code; only reasons that occurred.
  std::vector<std::pair<std::string, uint64_t>> rejected;
};

using auction_outcome = outcome<auction_result>;

using record_outcome = outcome<intent_record>;
using records_outcome = outcome<std::vector<intent_record>>;
using submit_outcome = outcome<submit_reply>;
using write_outcome = outcome<done>;
using nonce_owner_outcome = outcome<nonce_owner>;
using live_page_outcome = outcome<live_page>;

} // namespace intentd

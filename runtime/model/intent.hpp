#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/amount.hpp"

namespace intentd {

/// Microseconds since the Unix epoch, UTC.
using time_us = int64_t;

enum class action_kind : uint8_t { swap, transfer, stake };

enum class intent_status : uint8_t {
  pending,   // accepted and durable
  verified,  // the verifier accepted it, funds reserved
  executing, // a solver holds it
  completed,
  failed,
  expired,
  cancelled,
};

constexpr int intent_status_count = 7;

/// "swap" / "transfer" / "stake".
const char* to_string(action_kind kind);
std::optional<action_kind> parse_action(std::string_view text);

/// "pending" ... "cancelled".
const char* to_string(intent_status status);
std::optional<intent_status> parse_status(std::string_view text);

/// True for completed, failed, expired and cancelled.
bool is_terminal(intent_status status);

/// What a user asked for, after validation. Amounts are in base units of
/// their token; unused fields of an action stay empty / zero.
struct intent {
  std::string id;
  std::string user_account;
  action_kind action = action_kind::swap;
  std::string input_token;
  units input_amount = 0;
  std::string output_token;      // swap only
  units min_output_amount = 0;   // swap only
  uint32_t max_slippage_bps = 0; // percent * 100, 0..5000
  std::string recipient;         // transfer, stake (the pool)
  time_us expires_at = 0;
  uint64_t nonce = 0;
  std::string signature;  // hex ed25519 signature (runtime/model/signing)
  std::string public_key; // hex ed25519 key the signature claims
};

struct history_entry {
  intent_status status = intent_status::pending;
  time_us at = 0;
};

struct transaction_info {
  std::string hash;
  std::string chain;
  std::string status; // "success", "reverted", "failed", "pending"
};

/// The quote an external solver won an intent with, kept with the
/// executing transition so that recovery can settle it again (or hand the
/// intent to the built-in solvers) after a crash. Amounts in base units.
struct winning_quote {
  std::string request_id;
  std::string solver_id;
  std::string solver_account;
  units output_amount = 0; // in the output token (swap)
  units fee = 0;           // in the input token
  time_us valid_until = 0;
  std::string signature; // hex ed25519 over the canonical quote

  friend bool operator==(const winning_quote& a, const winning_quote& b) {
    return a.request_id == b.request_id && a.solver_id == b.solver_id &&
           a.solver_account == b.solver_account &&
           a.output_amount == b.output_amount && a.fee == b.fee &&
           a.valid_until == b.valid_until && a.signature == b.signature;
  }
};

struct execution_info {
  std::string solver_id; // the built-in solver, or the winning external one
  uint32_t attempts = 0;
  std::vector<transaction_info> transactions;
  uint64_t gas_used = 0;
  units total_cost = 0;
  std::optional<units> output_amount; // swap: what the user received
  /// How many valid quotes external solvers gave (0: none was asked or
  /// none was valid).
  uint32_t quotes = 0;
  /// Set once an external solver won: the quote it is settled with.
  std::optional<winning_quote> quote;
};

struct intent_error {
  std::string code;    // "reverted", "slippage", "retries_exhausted", ...
  std::string message; // a sentence for a person, with what to do next
};

/// The durable state of one intent: its snapshot.
struct intent_record {
  intent request;
  intent_status status = intent_status::pending;
  std::string status_message;
  time_us created_at = 0;
  time_us updated_at = 0;
  std::vector<history_entry> history;
  execution_info execution;
  std::optional<intent_error> error;
  /// Increments with every persisted transition, starting at 1 for pending.
  uint64_t seq = 0;
  /// Fingerprint of the submitted body, for idempotent resubmission.
  std::string body_digest;
  /// Set while an intent sits in the dead-letter queue.
  bool dead_letter = false;
  /// The cluster node that owns the intent; empty on a single node. Not
  /// stored: the node that answers for the record sets it.
  std::string node;
};

} // namespace intentd

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

struct execution_info {
  std::string solver_id;
  uint32_t attempts = 0;
  std::vector<transaction_info> transactions;
  uint64_t gas_used = 0;
  units total_cost = 0;
  std::optional<units> output_amount; // swap: what the user received
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

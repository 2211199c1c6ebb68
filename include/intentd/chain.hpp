#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace intentd::chain {

/// What the engine asks a chain about: a validated intent. Amounts are
/// exact decimal strings in their token's units ("100", "0.05"), as in the
/// HTTP API.
struct intent {
  std::string id;
  std::string user_account;
  std::string action; // "swap", "transfer" or "stake"
  std::string input_token;
  std::string input_amount;
  std::string output_token;      // swap only
  std::string min_output_amount; // swap only
  uint32_t max_slippage_bps = 0; // swap only
  std::string recipient;         // transfer: the receiver; stake: the pool
  std::chrono::system_clock::time_point expires_at;
  uint64_t nonce = 0;
};

/// How a chain call failed. The first three are retryable (nothing
/// happened on chain; the engine asks again with backoff), the rest are
/// final for the intent. `storage_unavailable` is a wait: the chain cannot
/// take the call's effects for now and the engine asks again later without
/// spending a retry.
enum class fault {
  none,
  network_error,
  timeout,
  nonce_too_low,
  reverted,
  slippage,
  insufficient_funds,
  unknown_token,
  already_executed,
  not_verified,
  expired,
  storage_unavailable,
};

struct verify_result {
  chain::fault fault = chain::fault::none;
};

struct execute_result {
  chain::fault fault = chain::fault::none;
  /// Set whenever a transaction was sent, also for a revert.
  std::string tx_hash;
  uint64_t gas_used = 0;
  /// What the execution cost the user, in the input token ("0.001").
  std::string total_cost = "0";
  /// Swap: what the user received, in the output token; empty otherwise.
  std::string output_amount;
};

/// What the chain knows of an intent id.
enum class intent_state { unknown, reserved, executed, reverted, released };

/// A successful execution the chain recorded: how recovery completes an
/// intent whose execution landed before the engine stopped. Its amounts are
/// integer strings of base units (10^-decimals of the token), since only
/// the intent's id is asked.
struct execution {
  std::string tx_hash;
  uint64_t gas_used = 0;
  std::string total_cost = "0"; // base units of the input token
  std::string credited = "0";   // the swap output (base units of the
                                // output token), or the amount moved
};

struct transaction {
  std::string hash;
  std::string intent_id;
  std::string status; // "success" or "reverted"
  uint64_t block = 0;
};

/// A chain the engine verifies and executes intents on, instead of the
/// simulated one (engine_options::chain). The engine calls it from one
/// thread at a time (its chain actor), so an adapter needs no lock of its
/// own for these calls; a call should return quickly (a slow chain makes
/// every intent wait, and the engine's chain timeout still applies).
///
/// The engine relies on two promises, as it does of the simulated chain:
/// execute() never executes the same intent id twice (a second call answers
/// `already_executed`), and what execution_of() and intent_state() answer
/// survives a restart of the program, so that recovery after a crash can
/// tell an execution that landed from one that did not.
///
/// There is no settlement call for external solvers here: on an adapter of
/// the embedder's own, the built-in solvers execute every intent
/// (docs/solvers.md, "Settlement").
class adapter {
public:
  virtual ~adapter() = default;
  /// Checks balances and reserves the input amount for the intent.
  virtual verify_result verify(const intent& in) = 0;
  /// Executes a verified intent for `solver_id`.
  virtual execute_result execute(const intent& in,
                                 const std::string& solver_id) = 0;
  /// Releases the reservation of a cancelled or expired intent.
  virtual void release(const std::string& intent_id) = 0;
  virtual intent_state state_of(const std::string& intent_id) = 0;
  virtual std::optional<execution>
  execution_of(const std::string& intent_id) = 0;
  virtual std::optional<transaction>
  transaction_of(const std::string& hash) = 0;
  /// Makes the effects of the calls so far final; the engine answers those
  /// calls only afterwards. False when that failed (the engine then treats
  /// the calls as not confirmed and asks again). The default has nothing
  /// to make final.
  virtual bool commit() { return true; }
};

/// "network_error", "reverted", ...
const char* to_string(fault f);

} // namespace intentd::chain

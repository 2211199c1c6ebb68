#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

/// How a chain call failed.
enum class chain_fault : uint8_t {
  none,
  // Retryable: nothing happened on chain, the same call may succeed later.
  network_error,
  timeout,
  nonce_too_low,
  // Not retryable.
  reverted,
  slippage,
  insufficient_funds,
  unknown_token,
  already_executed,
  not_verified,
  expired,
  // The chain's own storage cannot take the call's effects for now (disk
  // full): nothing is confirmed yet. Ask again after a pause; this is a
  // wait, not an attempt, so it spends no retry budget.
  storage_unavailable,
  // The node that hosts the chain (cluster.chain_node) cannot be reached:
  // it is down, or went down before it answered. A wait like
  // storage_unavailable: ask again once it is back (a call that may have
  // landed is asked about first), with no retry budget spent.
  unreachable,
};

bool is_retryable(chain_fault fault);
/// True for storage_unavailable: a wait for the chain's storage, which no
/// retry budget pays for.
bool is_storage_wait(chain_fault fault);
/// True for the faults that are waits rather than attempts:
/// storage_unavailable and unreachable.
bool is_wait(chain_fault fault);
/// snake_case name ("network_error").
const char* to_string(chain_fault fault);
/// A sentence for a person: what happened and what to do next.
std::string describe(chain_fault fault);

struct verify_result {
  chain_fault fault = chain_fault::none;
};

struct execute_result {
  chain_fault fault = chain_fault::none;
  std::string tx_hash; // set whenever a transaction was sent (also reverts)
  uint64_t gas_used = 0;
  units total_cost = 0;
  std::optional<units> output_amount; // swap
};

/// What the chain knows of an intent id.
enum class chain_intent_state : uint8_t {
  unknown,  // never seen
  reserved, // verified, funds held
  executed, // executed or settled successfully
  reverted,
  released, // reservation released (cancelled / expired)
};

const char* to_string(chain_intent_state state);

struct chain_tx {
  std::string hash;
  std::string intent_id;
  std::string status; // "success" | "reverted"
  uint64_t block = 0;
};

/// What the chain recorded of a successful execution.
struct chain_execution {
  std::string tx_hash;
  uint64_t gas_used = 0;
  units total_cost = 0;
  /// What the execution credited (the swap output, or the amount moved).
  units credited = 0;
  /// The external solver's account when it was a settlement; empty when
  /// the chain executed the intent itself.
  std::string solver_account{};
};

/// What the chain settles for the winner of a quote auction (see
/// chain_adapter::settle). Amounts in base units.
struct settlement {
  std::string solver_id;
  /// The solver's account on chain: it pays the output and is paid.
  std::string solver_account;
  /// Swap: the quoted output, in the output token; unused otherwise.
  units output_amount = 0;
  /// The solver's fee, in the input token.
  units fee = 0;
};

/// The Verifier and Solver contracts behind one interface. Calls are
/// synchronous and fast; latency is simulated by the caller (the chain actor).
class chain_adapter {
public:
  virtual ~chain_adapter() = default;
  /// Checks balances and reserves the input amount (plus gas) for the intent.
  virtual verify_result verify(const intent& in) = 0;
  /// Executes a verified intent; never twice for the same id.
  virtual execute_result execute(const intent& in,
                                 const std::string& solver_id) = 0;
  /// Settles a verified intent for an external solver instead of
  /// executing it: in one step the user pays the input and the solver's
  /// fee out of the verify reservation and the solver's account pays the
  /// quoted output (swap), or the chain performs the action (transfer,
  /// stake); docs/solvers.md "Settlement". Refused with nothing moved and
  /// the reservation kept: insufficient_funds when the solver's balance
  /// does not cover the output, slippage below the intent's minimum,
  /// reverted for a fee above the gas reserve or a settlement the chain
  /// cannot make. Never settles or executes one id twice
  /// (already_executed). The default cannot settle: it answers reverted
  /// and the engine falls back to its built-in solvers.
  virtual execute_result settle(const intent& in, const settlement& s) {
    (void)in;
    (void)s;
    execute_result refused;
    refused.fault = chain_fault::reverted;
    return refused;
  }
  /// Whether settle() can settle at all; false for the default. On a
  /// chain that cannot settle, asking external solvers for quotes is
  /// pointless: a winner could only fail, and be blamed for it.
  virtual bool settles() const { return false; }
  /// Releases the reservation of a cancelled or expired intent.
  virtual void release(const std::string& intent_id) = 0;
  virtual chain_intent_state intent_state(const std::string& intent_id) = 0;
  /// The successful execution or settlement of an intent, if there was
  /// one: how recovery completes an intent whose execution landed before a
  /// crash.
  virtual std::optional<chain_execution>
  execution_of(const std::string& intent_id) = 0;
  /// Makes the effects of the calls so far final (a block is sealed). The
  /// caller answers those calls only afterwards. False when it failed.
  virtual bool commit() { return true; }
  /// What the intent was and when the chain saw it, if the chain keeps
  /// that (the simulated chain does); empty otherwise.
  virtual std::optional<chain_intent_info>
  intent_info(const std::string& intent_id) {
    (void)intent_id;
    return std::nullopt;
  }
  virtual std::optional<chain_tx> tx_status(const std::string& hash) = 0;
};

} // namespace intentd

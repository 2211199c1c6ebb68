#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runtime/model/amount.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// A state change of the simulated chain.
enum class chain_event_kind : uint8_t {
  reserve, // funds held for a verified intent
  release, // a reservation given back (cancelled, expired)
  execute, // executed: reservation spent, recipient credited, tx mined
  revert,  // failed on chain: refund to the payer, tx mined when sent
  settle,  // settled for an external solver: reservation spent, the
           // recipient credited, the solver paid and paying, tx mined
};

constexpr uint8_t chain_event_kind_count = 5;

/// True for the events that execute an intent (execute, settle): an id has
/// at most one.
constexpr bool is_execution(chain_event_kind kind) {
  return kind == chain_event_kind::execute || kind == chain_event_kind::settle;
}

/// What the simulated chain needs to redo one state change.
struct chain_event {
  chain_event_kind kind = chain_event_kind::reserve;
  std::string intent_id;
  /// reserve: the payer; execute and settle: the credited account;
  /// revert: the refunded account. Empty for release.
  std::string account;
  std::string token;
  /// reserve: amount held (input plus gas); execute and settle: amount
  /// credited; revert: amount refunded.
  units amount = 0;
  /// execute, settle and revert: the mined transaction; empty when none
  /// was sent.
  std::string tx_hash;
  /// The block of tx_hash.
  uint64_t block = 0;

  // settle only; empty or 0 for the other kinds.
  /// The reservation's payer and token (the user, the input token).
  std::string payer{};
  std::string payer_token{};
  /// Given back to the payer: the gas reserve less the solver's fee.
  units refund = 0;
  /// The external solver's account.
  std::string solver_account{};
  /// What the solver receives, in payer_token: the input and the fee
  /// (swap) or the fee (transfer, stake).
  units solver_received = 0;
  /// What the solver pays, in `token`: the output (swap), else 0.
  units solver_paid = 0;
  /// The solver's fee, in payer_token (part of solver_received): what the
  /// user paid beyond the input.
  units fee = 0;

  friend bool operator==(const chain_event& a, const chain_event& b) {
    return a.kind == b.kind && a.intent_id == b.intent_id &&
           a.account == b.account && a.token == b.token &&
           a.amount == b.amount && a.tx_hash == b.tx_hash &&
           a.block == b.block && a.payer == b.payer &&
           a.payer_token == b.payer_token && a.refund == b.refund &&
           a.solver_account == b.solver_account &&
           a.solver_received == b.solver_received &&
           a.solver_paid == b.solver_paid && a.fee == b.fee;
  }
};

/// What the chain keeps of an intent it reserved funds for: what it was and
/// when the chain saw it, so that an intent whose record the engine no
/// longer holds (purged by retention) still reads as what it was.
struct chain_intent_info {
  std::string intent_id;
  action_kind action = action_kind::swap;
  std::string user_account;
  std::string input_token;
  units input_amount = 0;
  std::string output_token;
  std::string recipient;
  time_us first_seen = 0;  // its reservation (verification)
  time_us last_change = 0; // its latest event (execution, revert, release)

  friend bool operator==(const chain_intent_info& a,
                         const chain_intent_info& b) {
    return a.intent_id == b.intent_id && a.action == b.action &&
           a.user_account == b.user_account && a.input_token == b.input_token &&
           a.input_amount == b.input_amount &&
           a.output_token == b.output_token && a.recipient == b.recipient &&
           a.first_seen == b.first_seen && a.last_change == b.last_change;
  }
};

/// The simulated chain's live state as of its first `events` events: what
/// replaying them rebuilds (docs/durability.md, "The chain's ledger
/// snapshot"). Ordered maps, so that equal ledgers encode alike.
struct chain_ledger {
  struct held {
    std::string account;
    std::string token;
    units amount = 0;

    friend bool operator==(const held& a, const held& b) {
      return a.account == b.account && a.token == b.token &&
             a.amount == b.amount;
    }
  };
  /// How many events it folds (journal keys 0 to events-1).
  uint64_t events = 0;
  uint64_t block = 0;
  /// Account -> token -> balance, in base units.
  std::map<std::string, std::map<std::string, units>> balances;
  /// Intent id -> its reservation.
  std::map<std::string, held> reservations;

  friend bool operator==(const chain_ledger& a, const chain_ledger& b) {
    return a.events == b.events && a.block == b.block &&
           a.balances == b.balances && a.reservations == b.reservations;
  }
};

/// What the simulated chain remembers of intents that are no longer live:
/// it asks here instead of keeping every intent ever seen in memory.
/// Answers cover every event recorded so far, flushed or not. A problem
/// means the history could not be read (not that the intent is unknown).
class chain_history {
public:
  virtual ~chain_history() = default;
  /// Successful executions and settlements of an intent (0 when never
  /// executed).
  virtual outcome<uint32_t> executions(const std::string& intent_id) = 0;
  /// The intent's last release, execute, settle or revert event: its final
  /// state.
  /// Empty when it has none.
  virtual outcome<std::optional<chain_event>>
  final_event(const std::string& intent_id) = 0;
  /// The execute, settle or revert event that mined transaction `hash`.
  virtual outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) = 0;
  /// Calls `fn` with every executed intent id and its count of executions.
  /// False when they cannot be read in full.
  virtual bool each_execution(
      const std::function<void(const std::string&, uint32_t)>& fn) = 0;
  /// What the intent was and when the chain saw it; empty when it was never
  /// described (or this history keeps no descriptions).
  virtual outcome<std::optional<chain_intent_info>>
  intent_info(const std::string& intent_id) {
    (void)intent_id;
    return std::optional<chain_intent_info>{};
  }
};

/// Durable, append-only history of a simulated chain, so that it survives
/// restarts as a real chain does (an executed intent stays executed).
class chain_journal {
public:
  virtual ~chain_journal() = default;
  /// The journal's own index of its events, or nullptr when it has none:
  /// the chain then keeps its history in memory.
  virtual chain_history* history() { return nullptr; }
  /// Records `event` before the chain applies it. False when it could not:
  /// the chain then changes nothing and reports a retryable fault. Events
  /// may wait in a batch until flush().
  virtual bool record(const chain_event& event) = 0;
  /// Keeps (replaces) the description of an intent, in the batch of the
  /// events around it. False when it could not, like record(). A journal
  /// without an index keeps none: the chain then keeps them in memory.
  virtual bool describe(const chain_intent_info& info) {
    (void)info;
    return true;
  }
  /// Makes every recorded event durable at once. False when it could not
  /// (a full disk): the events since the last flush are kept, still count
  /// for the history, and the next flush() tries them again.
  virtual bool flush() { return true; }
  /// Calls `fn` with every recorded event, oldest first. Streams instead of
  /// returning a vector, so a long history is never held in memory at once.
  /// False when the history cannot be read in full.
  virtual bool replay(const std::function<void(const chain_event&)>& fn) = 0;

  /// Whether a snapshot handed to keep_snapshot() now would be written by
  /// the next flush(); the chain builds one only then. False for a journal
  /// that keeps none.
  virtual bool wants_snapshot() { return false; }
  /// Keeps `ledger` (the fold of the first ledger.events events, all of
  /// them recorded) to write with the flush that makes them durable,
  /// replacing one kept and not written yet. Encoded at once: the caller
  /// may change its ledger afterwards.
  virtual void keep_snapshot(const chain_ledger& ledger) { (void)ledger; }
  /// replay() from the newest snapshot: calls `load` at most once, before
  /// any event, with the snapshot (then `fn` with the events after it) or
  /// with the problem of one that was refused (damaged, an unknown
  /// version: then `fn` with every event, as replay()). Without a
  /// snapshot, `load` is not called. False as replay().
  virtual bool
  replay_from(const std::function<void(outcome<chain_ledger>)>& load,
              const std::function<void(const chain_event&)>& fn) {
    (void)load;
    return replay(fn);
  }
};

} // namespace intentd

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "runtime/model/amount.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// A state change of the simulated chain.
enum class chain_event_kind : uint8_t {
  reserve, // funds held for a verified intent
  release, // a reservation given back (cancelled, expired)
  execute, // executed: reservation spent, recipient credited, tx mined
  revert,  // failed on chain: refund to the payer, tx mined when sent
};

constexpr uint8_t chain_event_kind_count = 4;

/// What the simulated chain needs to redo one state change.
struct chain_event {
  chain_event_kind kind = chain_event_kind::reserve;
  std::string intent_id;
  /// reserve: the payer; execute: the credited account; revert: the
  /// refunded account. Empty for release.
  std::string account;
  std::string token;
  /// reserve: amount held (input plus gas); execute: amount credited;
  /// revert: amount refunded.
  units amount = 0;
  /// execute and revert: the mined transaction; empty when none was sent.
  std::string tx_hash;
  /// The block of tx_hash.
  uint64_t block = 0;

  friend bool operator==(const chain_event& a, const chain_event& b) {
    return a.kind == b.kind && a.intent_id == b.intent_id &&
           a.account == b.account && a.token == b.token &&
           a.amount == b.amount && a.tx_hash == b.tx_hash && a.block == b.block;
  }
};

/// What the simulated chain remembers of intents that are no longer live:
/// it asks here instead of keeping every intent ever seen in memory.
/// Answers cover every event recorded so far, flushed or not. A problem
/// means the history could not be read (not that the intent is unknown).
class chain_history {
public:
  virtual ~chain_history() = default;
  /// Successful executions of an intent (0 when never executed).
  virtual outcome<uint32_t> executions(const std::string& intent_id) = 0;
  /// The intent's last release, execute or revert event: its final state.
  /// Empty when it has none.
  virtual outcome<std::optional<chain_event>>
  final_event(const std::string& intent_id) = 0;
  /// The execute or revert event that mined transaction `hash`.
  virtual outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) = 0;
  /// Calls `fn` with every executed intent id and its count of executions.
  /// False when they cannot be read in full.
  virtual bool each_execution(
      const std::function<void(const std::string&, uint32_t)>& fn) = 0;
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
  /// Makes every recorded event durable at once. False when it could not
  /// (a full disk): the events since the last flush are kept, still count
  /// for the history, and the next flush() tries them again.
  virtual bool flush() { return true; }
  /// Calls `fn` with every recorded event, oldest first. Streams instead of
  /// returning a vector, so a long history is never held in memory at once.
  /// False when the history cannot be read in full.
  virtual bool replay(const std::function<void(const chain_event&)>& fn) = 0;
};

} // namespace intentd

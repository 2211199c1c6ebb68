#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "runtime/model/account_keys.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/chain_journal.hpp"
#include "runtime/model/memory_chain_history.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

struct simulated_chain_options {
  double failure_rate = 0.0; // share of calls failing with a retryable fault
  double revert_rate = 0.0;  // share of executions that revert
  uint64_t seed = 42;
  /// Starting balance of every token for a new account, in whole tokens.
  units initial_balance_tokens = 1'000'000;
  /// Starting balances of named accounts (an external solver's, say), in
  /// base units per token id; a token not named starts at the initial
  /// balance. Applied when the account is first used, before any replay,
  /// so a chain rebuilt on its journal with the same options agrees.
  std::map<std::string, std::map<std::string, units>> account_balances;
  uint64_t gas_per_execution = 30'000;
  uint64_t gas_price = 1; // base units of the input token per gas unit
  /// A ledger snapshot is handed to the journal when at least this many
  /// events, and at least as many as the ledger has entries (accounts and
  /// reservations), were recorded since the last, and the journal would
  /// write it with its next flush (docs/durability.md, "The chain's ledger
  /// snapshot"); 0: never.
  uint64_t snapshot_events = 100'000;
  /// The wall clock that dates what the chain keeps of each intent
  /// (chain_intent_info); empty: dated 0.
  std::function<time_us()> now;
};

/// How the constructor rebuilt the ledger from its journal.
struct chain_replay_report {
  /// The events folded by the snapshot it started from (0: none).
  uint64_t snapshot_events = 0;
  /// The events replayed after it (all of them without a snapshot).
  uint64_t events = 0;
  /// Why a snapshot in the journal was not used (every event was replayed).
  std::optional<problem> snapshot_refused;
};

/// A deterministic in-process ledger: accounts, balances, reservations,
/// a price table for swaps, blocks, transactions and fault injection.
/// Not thread-safe: one chain actor owns it.
///
/// With a journal, every state change is recorded before it is applied and
/// the constructor replays the journal, so a chain rebuilt on the same
/// journal after a restart (or a crash) refuses to execute an intent twice.
/// Memory holds only what live intents need (accounts, reservations, the
/// block height); the history of finished intents (executions, transactions,
/// final states) is asked of the journal's index, or kept in memory when
/// there is no journal or it keeps no index.
class simulated_chain final : public chain_adapter {
public:
  /// Throws std::runtime_error when the journal cannot be replayed (at
  /// start-up only). Replay streams the events and keeps only live state.
  simulated_chain(token_registry tokens, simulated_chain_options opts,
                  std::unique_ptr<chain_journal> journal = nullptr);
  /// Hands the journal a snapshot of the ledger when events were recorded
  /// since the last one, for the journal's close to write (so that a
  /// clean stop leaves nothing to replay but what its close flushes).
  ~simulated_chain() override;

  verify_result verify(const intent& in) override;
  execute_result execute(const intent& in,
                         const std::string& solver_id) override;
  /// Settles for an external solver (chain_adapter::settle): the user's
  /// reservation pays the input to the solver (swap) or to the recipient
  /// (transfer, stake) and the fee to the solver, the rest of its gas
  /// reserve goes back to the user, and the solver's account pays the
  /// output to the recipient (swap). One journaled event.
  execute_result settle(const intent& in, const settlement& s) override;
  bool settles() const override { return true; }
  void release(const std::string& intent_id) override;
  chain_intent_state intent_state(const std::string& intent_id) override;
  std::optional<chain_execution>
  execution_of(const std::string& intent_id) override;
  std::optional<chain_tx> tx_status(const std::string& hash) override;
  /// Flushes the journal, if any.
  bool commit() override;
  /// What the intent was and when the chain reserved and last moved it:
  /// from the journal's index, or memory without one.
  std::optional<chain_intent_info>
  intent_info(const std::string& intent_id) override;

  /// Spendable balance (after reservations) of an account, in base units.
  /// New accounts start with the initial balance (or account_balances).
  units balance(const std::string& account, const std::string& token);
  /// How many successful executions the chain has recorded for an id (0
  /// also when the journal cannot be read).
  uint32_t executions_of(const std::string& intent_id) const;
  /// Swap output before slippage checks: input converted by the price table.
  std::optional<units> quote(const std::string& from, const std::string& to,
                             units amount) const;
  uint64_t block_height() const { return block_; }
  /// Successful executions per intent id (ids never executed are absent),
  /// read from the journal when it keeps an index.
  std::map<std::string, uint32_t> executions_by_intent() const;
  /// Entries of finished intents held in memory: 0 with an indexed journal.
  std::size_t history_in_memory() const;
  /// The public keys registered to accounts on this ledger. Shared: the
  /// gateway checks signatures against it outside the chain actor.
  const std::shared_ptr<account_keys>& keys() const { return keys_; }
  /// Intents holding a reservation.
  std::size_t live_intents() const { return reservations_.size(); }
  /// The ledger now: what a snapshot holds.
  chain_ledger ledger() const;
  /// Events recorded, replayed ones included.
  uint64_t events() const { return events_; }
  const chain_replay_report& replay_report() const { return replay_report_; }

private:
  struct reservation {
    std::string account;
    std::string token;
    units amount = 0;
    /// Dated when it was made; first_seen 0 when it was replayed.
    chain_intent_info info;
  };
  struct account_state {
    std::map<std::string, units> balances;
  };
  account_state& account(const std::string& name);
  bool roll(double rate);
  std::string next_tx_hash(const std::string& intent_id);
  /// Journals `event`, then applies it; false when the journal refused it.
  bool commit(const chain_event& event);
  void apply(const chain_event& event);
  /// Hands the journal a snapshot when one is due (see snapshot_events).
  void offer_snapshot();
  /// Takes the ledger of a snapshot as the chain's.
  void restore(chain_ledger&& ledger);
  time_us now() const { return opts_.now ? opts_.now() : 0; }
  /// Keeps what `in` was, first seen at `first_seen` (0: as kept before),
  /// last changed now. Best effort: a journal that refuses it keeps its
  /// events, and the intent reads as before.
  void describe(const intent& in, time_us first_seen);

  token_registry tokens_;
  simulated_chain_options opts_;
  std::mt19937_64 rng_;
  uint64_t block_ = 0;
  /// Events recorded and applied, and their count at the last snapshot.
  uint64_t events_ = 0;
  uint64_t snapshot_at_ = 0;
  chain_replay_report replay_report_;
  std::unordered_map<std::string, account_state> accounts_;
  std::unordered_map<std::string, reservation> reservations_;
  std::unique_ptr<chain_journal> journal_;
  std::shared_ptr<account_keys> keys_ = std::make_shared<account_keys>();
  /// Set when the journal keeps no index; fed by apply().
  std::unique_ptr<memory_chain_history> memory_history_;
  /// The journal's index or memory_history_; never null.
  chain_history* history_ = nullptr;
};

} // namespace intentd

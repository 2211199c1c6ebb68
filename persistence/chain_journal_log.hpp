#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "persistence/chain_journal_lmdb.hpp"
#include "persistence/checkpoint_health.hpp"
#include "persistence/write_log.hpp"
#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// What a checkpoint did.
struct chain_checkpoint_report {
  uint64_t seq = 0; // C: every log record before it is in LMDB
  uint64_t events = 0;
  uint64_t infos = 0;
  std::size_t segments_removed = 0;
};

/// What a logged chain journal tells other threads (metrics, readiness);
/// it may outlive the journal.
struct chain_journal_monitor {
  /// The checkpoints (the checkpointer's and checkpoint()'s).
  checkpoint_tally checkpoints;
  /// Bytes appended to the log since open.
  std::atomic<uint64_t> log_bytes{0};
  /// Events and descriptions not in LMDB yet: the overlay's (the batch
  /// included, as of the last record(), describe() or flush()) and the
  /// frozen layer's.
  std::atomic<uint64_t> overlay_entries{0};
  std::atomic<uint64_t> frozen_entries{0};
  /// Calls of record() and flush() refused because too much waits for a
  /// checkpoint (max_pending_entries, max_pending_log_bytes).
  std::atomic<uint64_t> refused{0};
  /// Whether the last such call was refused.
  std::atomic<bool> refusing{false};

  uint64_t pending_entries() const { return overlay_entries + frozen_entries; }
};

/// Where and how to keep a logged chain journal.
struct logged_chain_journal_options {
  /// The LMDB journal checkpointed into (its path, map sizes, and `sync`
  /// for the checkpoints' commits).
  chain_journal_options journal;
  /// The log; an empty `dir` is `<journal.path>/wal`. Its `sync` is the
  /// flushes' fdatasync (the engine sets it and journal.sync alike).
  write_log_options log;
  /// A checkpoint is due after a flush() when something was logged since
  /// the last one and either this long has passed since it (or since
  /// open), or this many events and descriptions were logged since it, or
  /// the log grew by this many bytes since it.
  std::chrono::milliseconds checkpoint_interval{1000};
  std::size_t checkpoint_entries = 100'000;
  uint64_t checkpoint_log_bytes = 64ull << 20;
  /// The destructor flushes and checkpoints (a clean stop leaves nothing
  /// to replay); tests turn it off to leave the files as a crash would.
  bool checkpoint_on_close = true;
  /// A due checkpoint is committed by a thread of its own (the
  /// checkpointer), so that flush() never waits for LMDB. Off, flush()
  /// commits it itself (tests that want every step on their own thread).
  bool checkpointer = true;
  /// After a failed checkpoint the next is tried after checkpoint_interval
  /// doubled at each failure in a row, at most this long
  /// (checkpoint_retry_pause); by the checkpointer, or by the first
  /// flush() after it without one.
  std::chrono::milliseconds checkpoint_retry_max{5'000};
  /// While a frozen layer waits for its checkpoint and the frozen layer and
  /// the overlay hold more than this many events and descriptions, or
  /// their log more than this many bytes, record() and flush() refuse
  /// (return false: the chain changes nothing and reports a
  /// retryable fault) until a checkpoint succeeds. A multiple of the
  /// thresholds (refuse_past), so that a checkpoint that is only slow
  /// refuses nothing.
  static constexpr uint32_t default_refuse_factor = 4;
  std::size_t max_pending_entries = default_refuse_factor * 100'000;
  uint64_t max_pending_log_bytes = default_refuse_factor * (64ull << 20);
  /// Where the journal reports its figures; null: a monitor of its own
  /// (monitor()).
  std::shared_ptr<chain_journal_monitor> monitor;
  /// The clock of the thresholds; tests inject one.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Tests, called where the checkpoint runs (the checkpointer's thread,
  /// or the caller's): before the frozen layer's LMDB transaction; after
  /// its commit, before the layer is dropped and the log truncated; and
  /// when the checkpoint is over, with its outcome.
  std::function<void()> on_checkpoint_start;
  std::function<void()> on_checkpoint_committed;
  std::function<void(const outcome<chain_checkpoint_report>&)>
      on_checkpoint_done;
  /// Tests: called before a checkpoint's LMDB transaction; a problem it
  /// returns fails the checkpoint there, nothing written.
  std::function<std::optional<problem>()> checkpoint_fault;
  /// Tests: called on the checkpointer's thread, with the pause, instead of
  /// waiting the pause after a failed checkpoint; the next attempt follows
  /// when it returns.
  std::function<void(std::chrono::milliseconds)> retry_wait;

  /// Sets the bound to `factor` times the thresholds:
  /// max_pending_entries = factor x checkpoint_entries and
  /// max_pending_log_bytes = factor x checkpoint_log_bytes
  /// (`chain.simulated.journal_refuse_factor`).
  void refuse_past(uint32_t factor) {
    max_pending_entries = std::size_t{factor} * checkpoint_entries;
    max_pending_log_bytes = uint64_t{factor} * checkpoint_log_bytes;
  }
};

/// What open() found.
struct chain_log_open_report {
  log_report log;
  /// The checkpoint the log was replayed from (1: none yet).
  uint64_t checkpoint_seq = 1;
  uint64_t events = 0; // replayed events
  uint64_t infos = 0;  // replayed descriptions
};

/// What the checkpoints did (the checkpointer's and checkpoint()'s).
using chain_checkpointer_stats = checkpointer_stats;

/// The simulated chain's journal behind an append-only log
/// (docs/durability.md, "The chain journal's log"): record() and
/// describe() collect a batch in memory, flush() appends it to the log as
/// one batch (one write, one fdatasync) and keeps it in an overlay. When a
/// checkpoint is due, flush() freezes the overlay into an immutable layer
/// and starts a fresh overlay; the checkpointer writes the frozen layer
/// into the LMDB journal in one transaction with its `checkpoint_seq`,
/// then drops it and truncates the log before it. Every history lookup
/// reads the fresh overlay, the frozen layer and LMDB (executions add up;
/// the newest final event, transaction and description win), the frozen
/// layer only when LMDB's snapshot does not hold it yet, so the answers
/// are exact while a checkpoint commits. At most one layer is frozen: a
/// checkpoint that falls behind or fails keeps it, and the fresh overlay
/// grows until it is in LMDB. open() replays the log from checkpoint_seq
/// into the overlay.
///
/// Owned and called by one thread (the chain's owner); the checkpointer's
/// thread touches the frozen layer, LMDB's write transaction and the log's
/// truncation only.
class logged_chain_journal final : public chain_journal, public chain_history {
public:
  /// Stops the checkpointer, then flushes and checkpoints when
  /// checkpoint_on_close (best effort).
  ~logged_chain_journal() override;

  /// Opens the LMDB journal, reads its checkpoint_seq C (none: 1), opens
  /// the log from C and replays its records into the overlay. Refuses
  /// (storage_corrupt) a log that starts after C or ends before it, or is
  /// missing while C was recorded, and a record that does not decode.
  static outcome<std::unique_ptr<logged_chain_journal>>
  open(const logged_chain_journal_options& opts);

  const chain_log_open_report& open_report() const;

  /// Adds the event to the batch and the overlay; refused (false, nothing
  /// added) only while too much waits for a checkpoint (see the options).
  bool record(const chain_event& event) override;
  /// Adds the description to the batch and the overlay; never fails (it
  /// follows an event record() took, and replaces the intent's last).
  bool describe(const chain_intent_info& info) override;
  /// Appends the batch to the log (durable when it returns true), then,
  /// when a checkpoint is due and no layer is frozen, freezes the overlay
  /// and hands it to the checkpointer (without it, commits it here). A
  /// failed checkpoint does not fail the flush (the frozen layer and the
  /// log keep everything; it is tried again after a pause that grows with
  /// the failures in a row, its problem in last_problem() from the next
  /// flush on). When the append fails, or while too much waits for a
  /// checkpoint (see the options; storage_unavailable), the batch is kept,
  /// still counts for the lookups, and the next flush() appends it again.
  bool flush() override;
  /// The LMDB journal's events, then the frozen layer's and the overlay's
  /// (the log's since C, and the batch).
  bool replay(const std::function<void(const chain_event&)>& fn) override;
  /// When the next flush() would freeze a layer for a checkpoint (see
  /// checkpoint_due), which then carries the kept snapshot into LMDB.
  bool wants_snapshot() override;
  /// Encodes the ledger and keeps it for the next freezing (a flush's or
  /// checkpoint()'s), replacing one kept before.
  void keep_snapshot(const chain_ledger& ledger) override;
  /// LMDB's snapshot and events after it (lmdb_chain_journal::replay_from),
  /// then the frozen layer's and the overlay's events.
  bool replay_from(const std::function<void(outcome<chain_ledger>)>& load,
                   const std::function<void(const chain_event&)>& fn) override;
  chain_history* history() override;

  outcome<uint32_t> executions(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  final_event(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) override;
  bool each_execution(
      const std::function<void(const std::string&, uint32_t)>& fn) override;
  outcome<std::optional<chain_intent_info>>
  intent_info(const std::string& intent_id) override;

  /// Appends the batch, then, on this thread, writes the frozen layer (if
  /// any) and the overlay into LMDB, each in one transaction with
  /// checkpoint_seq = the log's next sequence at its freezing, drops them
  /// and removes the log segments before it. On a failed LMDB write
  /// nothing of that layer changes (it stays frozen); a failed truncation
  /// is a problem after the checkpoint committed (the next one removes the
  /// segments). Waits for a checkpoint the checkpointer is running.
  outcome<chain_checkpoint_report> checkpoint();
  /// Whether flush() at `now` would freeze the overlay for a checkpoint
  /// (see the options): something logged since the last freezing, a
  /// threshold reached and no layer frozen.
  bool checkpoint_due(std::chrono::steady_clock::time_point now) const;
  /// What the checkpoints did; any thread.
  chain_checkpointer_stats checkpointer_state() const;
  /// The figures this journal reports; any thread, after the journal too.
  std::shared_ptr<const chain_journal_monitor> monitor() const;

  /// Events held: LMDB's, the frozen layer's and the overlay's.
  uint64_t size() const;
  /// Events and descriptions in the overlay and the frozen layer (the
  /// batch included).
  std::size_t overlay_size() const;
  /// The checkpoint LMDB holds (1: none yet).
  uint64_t checkpoint_seq() const;
  const write_log& log() const;
  /// Why the last flush(), checkpoint or lookup failed.
  const problem& last_problem() const;

private:
  struct impl;
  explicit logged_chain_journal(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The logged journal over `journal` as the daemon keeps it: `base`'s
/// thresholds, bound, monitor and hooks, `journal` checkpointed into, and
/// the log in `<journal.path>/wal`, synced as the journal is, in segments
/// of 4 MB with the retired ones reused (as the store's log: an append's
/// fdatasync then changes no file size for the filesystem to journal).
/// `base.log`'s dir, sync, recycle and segment_size are replaced by these.
logged_chain_journal_options
chain_log_options_of(const chain_journal_options& journal,
                     logged_chain_journal_options base = {});

/// The chain's journal in opts.path: the LMDB journal, or with `logged`
/// the logged one over it with chain_log_options_of(opts, base). The
/// daemon, the tools and the tests open it here.
outcome<std::unique_ptr<chain_journal>>
open_chain_journal(const chain_journal_options& opts, bool logged,
                   logged_chain_journal_options base = {});

} // namespace intentd

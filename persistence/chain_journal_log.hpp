#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "persistence/chain_journal_lmdb.hpp"
#include "persistence/write_log.hpp"
#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

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
  /// The clock of the thresholds; tests inject one.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Tests: called after a checkpoint's LMDB commit, before the overlay is
  /// dropped and the log truncated.
  std::function<void()> on_checkpoint_committed;
};

/// What open() found.
struct chain_log_open_report {
  log_report log;
  /// The checkpoint the log was replayed from (1: none yet).
  uint64_t checkpoint_seq = 1;
  uint64_t events = 0; // replayed events
  uint64_t infos = 0;  // replayed descriptions
};

/// What a checkpoint did.
struct chain_checkpoint_report {
  uint64_t seq = 0; // C: every log record before it is in LMDB
  uint64_t events = 0;
  uint64_t infos = 0;
  std::size_t segments_removed = 0;
};

/// The simulated chain's journal behind an append-only log
/// (docs/durability.md, "The chain journal's log"): record() and
/// describe() collect a batch in memory, flush() appends it to the log as
/// one batch (one write, one fdatasync) and keeps it in an overlay, which
/// every history lookup lays over the LMDB journal (executions add up; the
/// overlay's final event, transaction and description win). A checkpoint
/// writes the overlay into the LMDB journal in one transaction with its
/// `checkpoint_seq`, drops the overlay and truncates the log before it.
/// open() replays the log from checkpoint_seq into the overlay.
///
/// Owned and called by one thread (the chain's owner), checkpoints
/// included: flush() runs one after its append when one is due, so the
/// chain's answer for that block waits for it. No locks.
class logged_chain_journal final : public chain_journal, public chain_history {
public:
  /// Flushes and checkpoints when checkpoint_on_close (best effort).
  ~logged_chain_journal() override;

  /// Opens the LMDB journal, reads its checkpoint_seq C (none: 1), opens
  /// the log from C and replays its records into the overlay. Refuses
  /// (storage_corrupt) a log that starts after C or ends before it, or is
  /// missing while C was recorded, and a record that does not decode.
  static outcome<std::unique_ptr<logged_chain_journal>>
  open(const logged_chain_journal_options& opts);

  const chain_log_open_report& open_report() const;

  /// Adds the event to the batch and the overlay; never fails.
  bool record(const chain_event& event) override;
  /// Adds the description to the batch and the overlay; never fails.
  bool describe(const chain_intent_info& info) override;
  /// Appends the batch to the log (durable when it returns true), then
  /// checkpoints when one is due; a failed checkpoint does not fail the
  /// flush (the overlay and the log keep everything; it is tried again
  /// after checkpoint_interval, its problem in last_problem()). When the
  /// append fails the batch is kept, still counts for the lookups, and the
  /// next flush() appends it again.
  bool flush() override;
  /// The LMDB journal's events, then the overlay's (the log's since C, and
  /// the batch).
  bool replay(const std::function<void(const chain_event&)>& fn) override;
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

  /// Appends the batch, then writes the overlay into LMDB with
  /// checkpoint_seq = the log's next sequence, drops the overlay and
  /// removes the log segments before it. On a failed LMDB write nothing
  /// changes; a failed truncation is a problem after the checkpoint
  /// committed (the next one removes the segments).
  outcome<chain_checkpoint_report> checkpoint();
  /// Whether a checkpoint is due at `now` (see the options).
  bool checkpoint_due(std::chrono::steady_clock::time_point now) const;

  /// Events held: LMDB's and the overlay's.
  uint64_t size() const;
  /// Events and descriptions in the overlay (the batch included).
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

/// The chain's journal in opts.path: the LMDB journal, or with `logged`
/// the logged one over it (default thresholds, the log synced as the
/// journal is).
outcome<std::unique_ptr<chain_journal>>
open_chain_journal(const chain_journal_options& opts, bool logged);

} // namespace intentd

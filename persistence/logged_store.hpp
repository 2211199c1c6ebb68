#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/checkpoint_health.hpp"
#include "persistence/intent_store.hpp"
#include "persistence/write_log.hpp"

namespace intentd {

/// Where and how to open a logged_store.
struct logged_store_options {
  store_options store;
  /// The log; an empty `dir` is `<store.path>/wal`.
  write_log_options log;
  /// Most records one checkpoint transaction holds; a larger checkpoint is
  /// split, and only its last transaction records checkpoint_seq.
  std::size_t checkpoint_batch = 50'000;
  /// When a checkpoint is due (maybe_checkpoint, the checkpointer thread):
  /// this long since the last one, or the table holding this many entries,
  /// or the log grown by this many bytes since the last one, whichever
  /// comes first, and only when something was logged since.
  std::chrono::milliseconds checkpoint_interval{1000};
  std::size_t checkpoint_records = 100'000;
  uint64_t checkpoint_log_bytes = 64ull << 20;
  /// The checkpointer's longest pause after failed checkpoints (the pause
  /// doubles from checkpoint_interval at each failure in a row).
  std::chrono::milliseconds checkpoint_retry_max{30'000};
  /// Start the checkpointer thread at open (start_checkpointer()).
  bool checkpointer = false;
  /// Hold the checkpoints that come due (maybe_checkpoint, the
  /// checkpointer thread) until release_checkpoints(): the engine holds
  /// them while it recovers, so that the replayed table is not written
  /// into LMDB meanwhile. An explicit checkpoint() is not held.
  bool hold_checkpoints = false;
  /// The checkpointer's clock; tests inject one.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Tests: called after a checkpoint's last transaction committed, before
  /// the table is trimmed and the log truncated.
  std::function<void()> on_checkpoint_committed;
};

/// What open() found.
struct logged_open_report {
  log_report log;
  /// The checkpoint the log was replayed from (1: none yet).
  uint64_t checkpoint_seq = 1;
  /// Replayed records that did not enter the table: older than the table's
  /// or LMDB's state of their intent (I4).
  uint64_t ignored = 0;
  uint64_t table_size = 0;
};

/// What one checkpoint did.
struct checkpoint_report {
  uint64_t seq = 0;          // C: every log record before it is in LMDB
  uint64_t records = 0;      // written into LMDB
  uint64_t transactions = 0; // LMDB commits
  std::size_t segments_removed = 0;
  uint64_t purged = 0; // records deleted from LMDB
};

/// The payload of a write-log record: a format version, a kind, then the
/// encoded value (record_codec for an intent record).
enum class log_kind : uint8_t {
  intent_record = 1,
  solver_stats = 2, // a solver's counters
  account_key = 3,  // an account's public key
  purge = 4,        // an intent deleted: its id and last record seq
  probe = 5,        // nothing: a write that leaves nothing behind
};
constexpr uint8_t log_payload_version = 1;
std::string encode_log_payload(const intent_record& rec);
/// A purge: the intent's id and the `seq` of its last record.
std::string encode_purge_payload(const std::string& id, uint64_t rec_seq);
std::string encode_solver_payload(const solver_stats& stats);
std::string encode_account_key_payload(const std::string& account,
                                       const std::string& raw_key);

/// A decoded payload: for a purge, `rec` holds only the id and `seq`.
struct log_entry {
  log_kind kind = log_kind::intent_record;
  intent_record rec;
  solver_stats stats;  // solver_stats
  std::string account; // account_key
  std::string raw_key; // account_key
};
/// The entry in a payload; storage_corrupt for an unknown version or kind,
/// or a value that does not decode.
outcome<log_entry> decode_log_entry(std::string_view payload, uint64_t seq);
/// decode_log_entry() of an intent record; storage_corrupt for any other
/// kind.
outcome<intent_record> decode_log_payload(std::string_view payload,
                                          uint64_t seq);

/// The intent store behind an append-only log (docs/durability.md, "Write
/// path"): put() appends the records to the log (one write, one
/// fdatasync) and puts them into an in-memory table of the newest record
/// per intent; checkpoint() writes the table into LMDB in one synced
/// transaction with `meta/checkpoint_seq`, then trims the table and
/// truncates the log; open() replays the log from checkpoint_seq.
///
/// put() and the purges belong to one thread (the writer). checkpoint()
/// and maybe_checkpoint() may run on another (the checkpointer thread, or
/// a caller's), one at a time: the log is appended to and truncated under
/// a mutex, and the table is guarded by a reader-writer lock, which a
/// checkpoint holds shared while it takes its snapshot and exclusively to
/// trim, never during its LMDB transaction. The reads may run on any
/// thread.
///
/// Every read overlays the table on LMDB; solver counters and account keys
/// go through the log too, kept in small tables of their own until a
/// checkpoint writes them.
class logged_store {
public:
  ~logged_store();
  logged_store(logged_store&&) noexcept;
  logged_store& operator=(logged_store&&) noexcept;

  /// Opens LMDB, reads checkpoint_seq C (none: 1), opens the log from C and
  /// replays every record into the table, the newest record `seq` per
  /// intent winning, also against LMDB's state (I4). Refuses
  /// (storage_corrupt) a log that starts after C, ends before it or is
  /// missing while C was recorded; refuses a read-only store.
  static outcome<logged_store> open(const logged_store_options& opts);

  const logged_open_report& open_report() const;

  /// Appends the records to the log as one batch (durable when this
  /// returns), then puts them into the table. A failed append is a problem
  /// (storage_unavailable for I/O) and leaves the table as it was. A record
  /// whose `seq` is below the table's for its intent is logged but leaves
  /// the table alone, as replay would (I4); put() does not compare with
  /// LMDB's state. Each intent new to the table costs one LMDB lookup (for
  /// count_by_status).
  outcome<done> put(const std::vector<intent_record>& records);

  /// Writes every table entry before C = the log's next sequence into
  /// LMDB (a purged one deleted) with checkpoint_seq = C, drops those
  /// entries from the table unless written again since, and removes the
  /// log segments before C. On a failed LMDB write nothing changes; a
  /// failed truncation is a problem after the checkpoint committed (the
  /// next one removes the segments).
  outcome<checkpoint_report> checkpoint();

  /// Whether a checkpoint is due at `now` (logged_store_options): not
  /// held, something was logged since the last checkpoint, and the
  /// interval has passed since it (or since open), or the table holds
  /// checkpoint_records entries, or checkpoint_log_bytes were logged since.
  bool checkpoint_due(std::chrono::steady_clock::time_point now) const;
  /// checkpoint() when checkpoint_due(now); nullopt when not due.
  outcome<std::optional<checkpoint_report>>
  maybe_checkpoint(std::chrono::steady_clock::time_point now);

  /// Starts the checkpointer thread (once): it calls maybe_checkpoint at
  /// every interval, and sooner when put() takes the table or the log past
  /// their thresholds; after a failure it pauses twice as long each time,
  /// up to checkpoint_retry_max. Stopped by stop_checkpointer() or the
  /// destructor, neither of which checkpoints.
  void start_checkpointer();
  void stop_checkpointer();
  /// Ends logged_store_options::hold_checkpoints: a checkpoint due
  /// meanwhile runs at the checkpointer's next turn, woken now.
  void release_checkpoints();
  /// Whether checkpoints are held (hold_checkpoints, not yet released).
  bool checkpoints_held() const;
  checkpointer_stats checkpointer_state() const;

  /// Deletes up to `max_batch` terminal, non-dead-letter intents whose
  /// updated_at is before `cutoff`, oldest first, as
  /// intent_store::purge_terminal_before, over the table and LMDB: one
  /// logged purge each (one log batch), so that a replay does not bring
  /// them back. An intent whose stored record is damaged or missing behind
  /// LMDB's index is left alone and not counted.
  outcome<std::size_t> purge_terminal_before(time_us cutoff,
                                             std::size_t max_batch);
  /// Deletes a dead-lettered intent (a logged purge); false when there is
  /// none or it is not a dead letter.
  outcome<bool> purge_dead_letter(const std::string& id);

  /// intent_store's, through the log (one batch).
  outcome<done> put_solver_stats(const std::vector<solver_stats>& stats);
  outcome<done> put_account_key(const std::string& account,
                                const std::string& raw_key);
  /// Appends a `probe` record (one batch, synced), which replay skips:
  /// whether the log takes writes, e.g. again after its disk was full.
  outcome<done> probe_write();
  /// LMDB's with the logged ones since the last checkpoint in their place,
  /// by solver id / by raw key.
  outcome<std::vector<solver_stats>> load_solver_stats() const;
  outcome<std::vector<std::pair<std::string, std::string>>>
  load_account_keys() const;

  outcome<std::optional<intent_record>> find(const std::string& id) const;
  outcome<intent_record> get(const std::string& id) const;
  outcome<std::optional<std::string>> nonce_owner(const std::string& user,
                                                  uint64_t nonce) const;
  outcome<std::optional<std::string>> find_by_tx(const std::string& hash) const;
  /// intent_store::list over LMDB and the table: newest created first, the
  /// same cursors.
  outcome<record_page> list(const list_query& query) const;
  /// intent_store::live_after over LMDB and the table: at most `limit`
  /// records; `next` is the index key of the last one passed (a damaged
  /// record LMDB quarantined may be reported again on a later page).
  outcome<live_page> live_after(const std::string& after,
                                std::size_t limit) const;
  /// LMDB's counts with each table entry counted in its status instead of
  /// the one LMDB holds for it.
  outcome<std::vector<uint64_t>> count_by_status() const;
  /// intent_store's, over LMDB and the table.
  outcome<std::vector<intent_record>> dead_letters(uint32_t limit) const;
  outcome<uint64_t> dead_letter_count() const;
  outcome<std::vector<std::pair<time_us, std::string>>>
  live_by_expiry(std::size_t limit) const;
  outcome<std::optional<time_us>> oldest_terminal_update() const;

  /// Entries in the table.
  std::size_t table_size() const;
  /// Bytes appended to the log since open.
  uint64_t logged_bytes() const;
  /// The checkpoint LMDB holds (1: none yet).
  uint64_t checkpoint_seq() const;
  const write_log& log() const;
  /// LMDB itself, as of the last checkpoint.
  const intent_store& store() const;
  intent_store& store();

private:
  struct impl;
  explicit logged_store(std::unique_ptr<impl> p);
  static outcome<checkpoint_report> checkpoint_locked(impl& s);
  /// Removes the log's segments before `out.seq`; remembers a failure so
  /// that the next checkpoint retries it.
  static outcome<checkpoint_report> truncate_log(impl& s,
                                                 checkpoint_report out);
  static outcome<std::optional<checkpoint_report>>
  maybe_locked(impl& s, std::chrono::steady_clock::time_point now);
  outcome<done>
  append_small(std::vector<std::string> payloads,
               std::vector<solver_stats> stats,
               std::vector<std::pair<std::string, std::string>> keys);
  outcome<done> append_purges(const std::vector<intent_record>& victims,
                              const std::vector<bool>& from_lmdb);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd

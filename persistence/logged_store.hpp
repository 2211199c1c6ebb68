#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

/// The payload of a write-log record: a format version, a kind, then the
/// encoded value (record_codec for an intent record).
enum class log_kind : uint8_t {
  intent_record = 1,
  solver_stats = 2, // not written yet
  account_key = 3,  // not written yet
  purge = 4,        // not written yet
};
constexpr uint8_t log_payload_version = 1;
std::string encode_log_payload(const intent_record& rec);
/// The record in a payload; storage_corrupt for an unknown version or kind,
/// or a value record_codec refuses.
outcome<intent_record> decode_log_payload(std::string_view payload,
                                          uint64_t seq);

/// The intent store behind an append-only log (docs/durability.md, "Write
/// path"): put() appends the records to the log (one write, one
/// fdatasync) and puts them into an in-memory table of the newest record
/// per intent; checkpoint() writes the table into LMDB in one synced
/// transaction with `meta/checkpoint_seq`, then trims the table and
/// truncates the log; open() replays the log from checkpoint_seq.
///
/// put() and checkpoint() belong to one thread; the reads may run on any
/// thread (the table is guarded by a reader-writer lock).
///
/// Reads that overlay the table on LMDB: find, get, nonce_owner,
/// find_by_tx, list, live_after and count_by_status. Not overlaid yet (they
/// answer LMDB's state as of the last checkpoint, through store()):
/// dead_letters, dead_letter_count, live_by_expiry,
/// oldest_terminal_update, the solver counters and account keys; the purges
/// and put_solver_stats/put_account_key write LMDB directly and are not
/// logged.
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
  /// LMDB with checkpoint_seq = C, drops those entries from the table and
  /// removes the log segments before C. On a failed LMDB write nothing
  /// changes; a failed truncation is a problem after the checkpoint
  /// committed (the next one removes the segments).
  outcome<checkpoint_report> checkpoint();

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

  /// Entries in the table.
  std::size_t table_size() const;
  /// The checkpoint LMDB holds (1: none yet).
  uint64_t checkpoint_seq() const;
  const write_log& log() const;
  /// LMDB itself: the reads not overlaid yet.
  const intent_store& store() const;
  intent_store& store();

private:
  struct impl;
  explicit logged_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd

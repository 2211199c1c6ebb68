#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/listing.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/solver_stats.hpp"

namespace intentd {

/// A page of live records (intent_store::live_after).
struct live_page {
  std::vector<intent_record> records;
  /// Where the next page starts: the index key of the last record visited
  /// (opaque); `after` again when the page visited none.
  std::string next;
  /// Whether a live record is left after `next`.
  bool more = false;
};

/// The keyed indexes intent_store::index_keys reads: by_expiry (live
/// records, expires_at + id), by_updated (terminal records retention will
/// purge, updated_at + id), dead (dead letters, created_at + id).
enum class store_index { expiry, updated, dead };

/// What a logged store's checkpoint writes in one transaction
/// (intent_store::write).
struct store_write {
  std::vector<intent_record> records;
  std::vector<std::string> erased;
  std::vector<solver_stats> stats;
  /// (account, raw key), as put_account_key.
  std::vector<std::pair<std::string, std::string>> account_keys;
  std::optional<uint64_t> checkpoint_seq;
};

/// Where and how to open an intent_store.
struct store_options {
  std::string path;               // a directory; created when missing
  bool sync = true;               // fsync on every commit
  uint64_t map_size = 1ull << 32; // initial memory map, bytes
  /// The map doubles on demand up to this many bytes.
  uint64_t max_map_size = 64ull << 30;
  /// Open without write access: reads are served, writes refused.
  bool read_only = false;
  /// Called (from any reading thread) with a storage_corrupt problem naming
  /// the table and key each time a stored value is refused as damaged.
  std::function<void(const problem&)> on_corrupt;
  /// Fault injection for tests: asked before every read the store makes (a
  /// read transaction begun, a lookup, a cursor step), on the reading
  /// thread; a nonzero return fails that read as if LMDB had returned it.
  std::function<int()> read_fault;
};

/// LMDB-backed store of intent records with user/status/tx/expiry/retention
/// indexes and the dead-letter set. Reads may run on any thread at once;
/// writes must come from one thread at a time (the storage writer).
///
/// The memory map grows (doubling, up to max_map_size) when a write finds it
/// full. LMDB allows that only while this process has no transaction open,
/// so every transaction holds an internal gate shared and the resize holds
/// it exclusively: a resize waits for running reads to end and holds new
/// ones back for its duration (microseconds).
///
/// open() falls back to read-only when the directory or file denies write
/// access (EACCES, EPERM, EROFS); every write then returns
/// storage_unavailable. A corrupted data file is a problem value naming the
/// file, never a crash.
///
/// Every stored value carries a CRC-32C: records in their header
/// (record_codec.hpp), the values of by_tx, nonces, account_keys and counts
/// as a 4-byte seal after the payload (checksum.hpp), keyed indexes none
/// (their keys are checked against the record they name). A store of index
/// version 4 or older has its small values sealed when it is opened for
/// writing; records written without a checksum (format 1) are still read
/// and gain one when next written.
class intent_store {
public:
  ~intent_store();
  intent_store(intent_store&&) noexcept;
  intent_store& operator=(intent_store&&) noexcept;

  static outcome<intent_store> open(const store_options& opts);

  /// True when opened read-only (asked for, or no write access).
  bool read_only() const;

  /// The current size of the memory map, in bytes.
  uint64_t map_size() const;

  /// Writes records (insert or replace by id) and updates every index in one
  /// transaction: all or nothing.
  outcome<done> put(const std::vector<intent_record>& records);

  /// put(), and `meta/checkpoint_seq` = `checkpoint_seq` in the same
  /// transaction: every write-log record before that sequence is in the
  /// store (docs/durability.md, "Write path").
  outcome<done> put(const std::vector<intent_record>& records,
                    uint64_t checkpoint_seq);

  /// One transaction: put() of `w.records`, then the records of `w.erased`
  /// deleted (an id without a record is skipped) with their index entries
  /// (their nonces stay used), the solver counters and account keys
  /// written, and with a `checkpoint_seq` that recorded as put() does.
  outcome<done> write(const store_write& w);

  /// The write-log sequence of the last checkpoint; nullopt when none was
  /// written. A damaged value is storage_corrupt.
  outcome<std::optional<uint64_t>> checkpoint_seq() const;

  /// A write that leaves nothing behind (a key put and deleted in `meta`,
  /// committed and synced like any write): whether the storage takes
  /// writes, e.g. again after its disk was full.
  outcome<done> probe_write();

  /// Writes solver counters in their own transaction.
  outcome<done> put_solver_stats(const std::vector<solver_stats>& stats);

  /// The record of `id`: a not_found problem ("No intent with id ...")
  /// when there is none, and when it cannot be read the problem find()
  /// answers (never "none" for a failed read).
  outcome<intent_record> get(const std::string& id) const;

  /// The record of `id`, nullopt when there is none; a storage_corrupt
  /// problem naming the id when its stored bytes fail their checksum or do
  /// not decode, storage_unavailable when LMDB fails.
  outcome<std::optional<intent_record>> find(const std::string& id) const;

  /// Stored values refused as damaged since the store opened.
  uint64_t corrupt_count() const;

  /// Pages through records matching the query, newest created first. The
  /// cursor stays valid while records are added. A damaged record on the
  /// way is a storage_corrupt problem naming it.
  outcome<record_page> list(const list_query& query) const;

  /// Keeps a public key (raw bytes) registered to `account`.
  outcome<done> put_account_key(const std::string& account,
                                const std::string& raw_key);
  /// Every kept key as (account, raw key); a damaged entry is reported to
  /// on_corrupt and left out.
  outcome<std::vector<std::pair<std::string, std::string>>>
  load_account_keys() const;

  // Every read below answers a problem when the store cannot be read
  // (storage_unavailable, or storage_corrupt for a damaged page or value),
  // never an empty answer: missing is not failed.

  /// The id of the signed intent that used `nonce` for `user`, also after
  /// the intent itself was purged (an empty id when its entry is damaged:
  /// the nonce was used); nullopt when it was not used.
  outcome<std::optional<std::string>> nonce_owner(const std::string& user,
                                                  uint64_t nonce) const;

  /// The intent id that produced a transaction hash; nullopt when none.
  outcome<std::optional<std::string>> find_by_tx(const std::string& hash) const;

  /// Records flagged dead_letter, oldest first, at most `limit`; a damaged
  /// one on the way is a storage_corrupt problem naming it.
  outcome<std::vector<intent_record>> dead_letters(uint32_t limit) const;

  /// Number of dead letters (an LMDB page count, no scan).
  outcome<uint64_t> dead_letter_count() const;

  /// Every solver's counters; damaged ones are reported and left out
  /// (they start at zero).
  outcome<std::vector<solver_stats>> load_solver_stats() const;

  /// One page of the non-terminal records (crash recovery), in recovery
  /// order: pending, then verified, then executing, each oldest created
  /// first. It visits at most `limit` records (at least one) after `after`,
  /// a page's `next` (empty: from the first). A record whose stored value is
  /// damaged is quarantined: reported to on_corrupt, left where it is, not
  /// passed, but visited. A read that fails is a problem naming the intent
  /// (or the range) being read and why, never a shorter page.
  outcome<live_page> live_after(const std::string& after,
                                std::size_t limit) const;

  /// Number of records per status, indexed by intent_status.
  outcome<std::vector<uint64_t>> count_by_status() const;

  /// Live (non-terminal) records by deadline: (expires_at, id), soonest
  /// first, at most `limit`.
  outcome<std::vector<std::pair<time_us, std::string>>>
  live_by_expiry(std::size_t limit) const;

  /// Keys of a keyed index (store_index) above `after` (empty: from the
  /// first), ascending, at most `limit`: a time (keys::time_of(k, 0)) then
  /// an id (keys::id_of(k, 0)).
  outcome<std::vector<std::string>> index_keys(store_index which,
                                               const std::string& after,
                                               std::size_t limit) const;

  /// The oldest updated_at among terminal records that retention will
  /// purge (not dead letters); nullopt when there is none.
  outcome<std::optional<time_us>> oldest_terminal_update() const;

  /// Deletes up to `max_batch` terminal, non-dead-letter records whose
  /// updated_at is before `cutoff`, oldest first, with all their index
  /// entries, in one short write transaction. Returns how many it removed:
  /// fewer than `max_batch` means none older is left.
  outcome<std::size_t> purge_terminal_before(time_us cutoff,
                                             std::size_t max_batch);

  /// Deletes a dead-lettered record entirely. False when no record has this
  /// id or it is not a dead letter.
  outcome<bool> purge_dead_letter(const std::string& id);

private:
  struct impl;
  explicit intent_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd

#pragma once

#include <atomic>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "persistence/intent_store.hpp"
#include "persistence/lmdb_env.hpp"
#include "persistence/map_gate.hpp"
#include "persistence/storage_errors.hpp"
#include "persistence/storage_lock.hpp"

namespace intentd {

/// Builds an index key from a record.
using key_fn = std::string (*)(const intent_record&);

/// A read transaction that holds the map gate while it lives. Its reads
/// (the begin, each lookup and cursor step) first ask `fault`, when set.
class store_read {
public:
  store_read(map_gate& gate, MDB_env* env, const lmdb::read_fault_fn* fault)
      : fault_(fault), lock_(gate), txn_(begin(env)) {}

  MDB_txn* handle() const noexcept { return txn_.handle(); }

private:
  static lmdb::txn begin(MDB_env* env) {
    lmdb::check_read_fault("mdb_txn_begin");
    return lmdb::txn::begin(env, MDB_RDONLY);
  }

  lmdb::read_fault_scope fault_;
  shared_gate_lock lock_;
  lmdb::txn txn_;
};

/// The store's environment, databases and index maintenance. Every
/// transaction holds `gate` shared; growing the map holds it exclusively.
struct intent_store::impl {
  /// First, so that it is released last, after the environment closed.
  storage_lock lock;
  lmdb::env env;
  std::string path;
  bool read_only = false;
  std::atomic<uint64_t> map_size{0};
  uint64_t max_map_size = 0;
  mutable map_gate gate;

  lmdb::dbi records;
  lmdb::dbi by_status;
  lmdb::dbi by_user;
  /// Left by stores before index version 3; emptied when they open.
  lmdb::dbi by_user_all;
  lmdb::dbi by_time;
  lmdb::dbi by_tx;
  lmdb::dbi dead;
  lmdb::dbi solvers;
  lmdb::dbi counts;
  lmdb::dbi by_updated;
  lmdb::dbi by_expiry;
  lmdb::dbi meta;
  /// Nonces of signed intents: user + '\0' + nonce (8 bytes BE) -> id.
  /// Kept when the record is purged, so that a nonce is never reused.
  lmdb::dbi nonces;
  /// Public keys registered over the admin API: raw key -> account.
  lmdb::dbi account_keys;

  /// The index version in `meta` once open; from 5 on the values of
  /// by_tx, nonces, account_keys and counts are sealed (checksum.hpp).
  int index_version = 0;
  /// Where data.mdb is mapped; changed only with the gate held exclusively.
  lmdb::map_bounds bounds;
  std::function<void(const problem&)> on_corrupt;
  lmdb::read_fault_fn read_fault;
  mutable std::atomic<uint64_t> corrupt_seen{0};

  /// Counts a damaged value, reports it to on_corrupt and returns the
  /// storage_corrupt problem of `message`.
  problem damaged(std::string message) const;
  /// A value as stored in a sealed table.
  std::string seal(std::string_view key, std::string_view payload) const;
  /// The payload of `stored`, the value of `key` in `table`; nullopt (and
  /// reported) when it fails its checksum.
  std::optional<std::string_view> unseal(const char* table,
                                         std::string_view key,
                                         std::string_view stored) const;
  /// Decodes the stored bytes of record `id`: a storage_corrupt problem
  /// (reported) when they are damaged or hold another id.
  outcome<intent_record> decode(std::string_view id,
                                std::string_view bytes) const;

  /// Opens the environment (MDB_RDONLY and MDB_NOLOCK may be in `flags`)
  /// and its databases; throws lmdb::error.
  void open(const store_options& opts, unsigned flags);

  store_read read() const {
    return store_read(gate, env.handle(), &read_fault);
  }

  /// Runs `body(MDB_txn*)` in a read transaction: what it returns, or the
  /// problem of an LMDB failure while reading `where` (read_failure) or
  /// of another exception. Never an empty answer for a failed read.
  template<class F>
  auto read_txn(const std::string& where, F&& body) const
      -> decltype(body(nullptr)) {
    try {
      auto t = read();
      return body(t.handle());
    } catch (const lmdb::error& e) {
      return read_failure(e.code(), e.what(), where);
    } catch (const std::bad_alloc&) {
      return problem{errc::storage_unavailable, "storage: out of memory", {}};
    } catch (const std::exception& e) {
      return problem{
          errc::storage_unavailable, std::string("storage: ") + e.what(), {}};
    }
  }
  /// unseal() as a value: the payload, or the storage_corrupt problem it
  /// reported.
  outcome<std::string_view> unsealed(const char* table, std::string_view key,
                                     std::string_view stored) const;

  /// The record an index entry names; nullopt when it is missing or does
  /// not match the entry, a storage_corrupt problem when it is damaged.
  outcome<std::optional<intent_record>> load(MDB_txn* t, std::string_view id,
                                             std::string_view index_key,
                                             key_fn expected) const;
  void count(MDB_txn* t, intent_status status, int delta) const;
  /// Moves the index entries of `prev` (null: none) to those of `next`
  /// (null: none), touching only the entries whose key changes.
  void reindex(MDB_txn* t, const intent_record* prev,
               const intent_record* next) const;
  /// Inserts or replaces a record and its index entries.
  void write(MDB_txn* t, const intent_record& rec) const;
  /// Deletes a record and every index entry of it.
  void erase(MDB_txn* t, const intent_record& rec) const;
  /// Builds by_updated and by_expiry from the records when `meta` says
  /// they predate them, and seals the small values of stores before 5.
  void upgrade_indexes(MDB_txn* t) const;
  /// Rewrites every value of `db` sealed under its key.
  void seal_all(MDB_txn* t, const lmdb::dbi& db) const;

  /// Doubles the map (up to max_map_size) once no transaction is open;
  /// false when it is at the cap or the resize failed.
  bool grow();
  /// Sets the map to `bytes` (0: the size another process left in the
  /// file) once no transaction is open.
  bool resize(uint64_t bytes);

  problem failure(int code, const std::string& what) const;
  /// failure() for a read: LMDB's corruption codes (a damaged page) are
  /// storage_corrupt, reported like a damaged value; `where` says what was
  /// being read.
  problem read_failure(int code, const std::string& what,
                       const std::string& where) const;

  /// Runs `body(MDB_txn*)` in one write transaction and commits it. On a
  /// full map it grows the map and runs the transaction once more.
  template<class F>
  auto write_txn(F&& body) -> outcome<decltype(body(nullptr))> {
    if (read_only)
      return read_only_problem(path);
    if (lmdb::transaction_lost())
      return problem{errc::storage_corrupt,
                     "storage is damaged: a write faulted on a damaged page "
                     "of " +
                         path +
                         "/data.mdb and holds its lock; stop "
                         "intentd and restore the store from a backup",
                     {}};
    for (int attempt = 0;; ++attempt) {
      int code = 0;
      std::string what;
      try {
        shared_gate_lock lock(gate);
        auto t = lmdb::txn::begin(env.handle());
        auto result = body(t.handle());
        t.commit();
        return result;
      } catch (const lmdb::error& e) {
        code = e.code();
        what = e.what();
      } catch (const std::bad_alloc&) {
        return problem{errc::storage_unavailable, "storage: out of memory", {}};
      } catch (const std::exception& e) {
        return problem{
            errc::storage_unavailable, std::string("storage: ") + e.what(), {}};
      }
      if (code == MDB_MAP_FULL && attempt == 0 && grow())
        continue;
      if (code == MDB_MAP_RESIZED && attempt == 0 && resize(0))
        continue;
      return failure(code, what);
    }
  }
};

} // namespace intentd

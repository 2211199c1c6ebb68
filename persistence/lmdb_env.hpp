#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <lmdb.h>

namespace intentd::lmdb {

/// An LMDB failure: the return code and the call that produced it. Thrown
/// only inside persistence, which turns it into a problem.
class error : public std::runtime_error {
public:
  error(const char* origin, int rc);

  int code() const noexcept { return code_; }

private:
  int code_;
};

/// An environment: one memory map, closed in the destructor.
class env {
public:
  static env create();

  env() = default;
  env(env&& other) noexcept;
  env& operator=(env&& other) noexcept;
  env(const env&) = delete;
  env& operator=(const env&) = delete;
  ~env();

  void set_map_size(std::size_t bytes);
  /// The current size of the memory map, in bytes.
  std::size_t map_size() const;
  void set_max_dbs(unsigned count);
  void open(const std::string& dir, unsigned flags, mdb_mode_t mode = 0644);
  /// Clears reader slots left by dead processes; returns how many.
  int reader_check();

  MDB_env* handle() const noexcept { return handle_; }

private:
  explicit env(MDB_env* handle) : handle_(handle) {}
  MDB_env* handle_ = nullptr;
};

/// Where the data file of an environment is mapped, and how many of its
/// bytes hold pages (up to the last page committed). LMDB keeps no page
/// checksums: a damaged page can claim a value longer than the file, and
/// reading it would fault. `contains` tells such a value from a real one.
class map_bounds {
public:
  /// The mapping of `env`'s data file in this process (from
  /// /proc/self/maps); empty, and then `contains` always true, when it
  /// cannot be found.
  static map_bounds of(MDB_env* env);

  /// False when `bytes` start in the map but end past its used pages.
  /// Bytes outside the map (a write transaction's own pages) are not
  /// judged.
  bool contains(MDB_env* env, std::string_view bytes) const;

private:
  const char* base_ = nullptr;
  std::size_t length_ = 0;
};

/// A transaction that aborts in its destructor unless committed.
class txn {
public:
  static txn begin(MDB_env* env, unsigned flags = 0);

  txn(txn&& other) noexcept;
  txn& operator=(txn&& other) noexcept;
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;
  ~txn();

  void commit();
  void abort() noexcept;

  MDB_txn* handle() const noexcept { return handle_; }

private:
  explicit txn(MDB_txn* handle) : handle_(handle) {}
  MDB_txn* handle_ = nullptr;
};

/// True once a commit or abort faulted on a damaged page: that transaction
/// could not be ended, and a write transaction keeps LMDB's writer lock, so
/// no write may begin again in this process.
bool transaction_lost();

/// A hook that decides whether a read fails: 0 lets it run, any other code
/// makes it fail with that code, as if LMDB had returned it.
using read_fault_fn = std::function<int()>;

/// While one lives, every lookup and cursor step on this thread first asks
/// `hook` (when it is set): the edge where tests make the n-th read of a
/// store fail. Scopes nest; the innermost one holds.
class read_fault_scope {
public:
  explicit read_fault_scope(const read_fault_fn* hook) noexcept;
  read_fault_scope(const read_fault_scope&) = delete;
  read_fault_scope& operator=(const read_fault_scope&) = delete;
  ~read_fault_scope();

private:
  const read_fault_fn* outer_;
};

/// Throws error(origin, code) when the current read_fault_scope's hook
/// fails this read.
void check_read_fault(const char* origin);

/// A named database handle, valid for the life of its environment.
/// Every call on the data (get, put, del, clear, and the cursor's) runs
/// under a guard: when a damaged page makes LMDB fault (SIGSEGV, SIGBUS)
/// inside one, it throws error with MDB_CORRUPTED instead of killing the
/// process, and the transaction is aborted as for any error. The guard's
/// handler is installed when the first environment opens and passes every other
/// fault to the handler that was there before.
class dbi {
public:
  static dbi open(MDB_txn* txn, const char* name, unsigned flags = 0);

  dbi() = default;

  /// False when the key is missing; `value` views memory owned by the txn.
  bool get(MDB_txn* txn, std::string_view key, std::string_view& value) const;
  void put(MDB_txn* txn, std::string_view key, std::string_view value,
           unsigned flags = 0) const;
  /// False when the key was missing.
  bool del(MDB_txn* txn, std::string_view key) const;
  std::uint64_t size(MDB_txn* txn) const;
  /// Deletes every entry, keeping the database.
  void clear(MDB_txn* txn) const;

  MDB_dbi handle() const noexcept { return handle_; }

private:
  explicit dbi(MDB_dbi handle) : handle_(handle) {}
  MDB_dbi handle_ = 0;
};

/// A cursor over one database, closed in its destructor. Must not outlive
/// its transaction.
class cursor {
public:
  static cursor open(MDB_txn* txn, const dbi& db);

  cursor(cursor&& other) noexcept;
  cursor& operator=(cursor&& other) noexcept;
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  ~cursor();

  /// Moves the cursor; false when there is no such entry. For positioning
  /// ops (MDB_SET_RANGE, ...) `key` is read first.
  bool get(std::string_view& key, std::string_view& value, MDB_cursor_op op);

  /// Stores `value` under `key` (with MDB_CURRENT: replaces the entry the
  /// cursor is on; `key` must not view the map).
  void put(std::string_view key, std::string_view value, unsigned flags);

  MDB_cursor* handle() const noexcept { return handle_; }

private:
  explicit cursor(MDB_cursor* handle) : handle_(handle) {}
  MDB_cursor* handle_ = nullptr;
};

} // namespace intentd::lmdb

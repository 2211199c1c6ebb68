#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

struct store_options {
  std::string path;         // a directory; created when missing
  bool sync = true;         // fsync on every commit
  uint64_t map_size = 1ull << 32;
};

/// A page of a listing, newest first.
struct record_page {
  std::vector<intent_record> items;
  std::string next_cursor; // empty on the last page
};

struct list_query {
  std::string user;                   // empty: every user
  std::optional<intent_status> status; // nullopt: every status
  uint32_t limit = 50;
  std::string cursor;                 // from a previous page
};

/// Per-solver counters that survive restarts.
struct solver_stats {
  std::string solver_id;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t total_execution_us = 0;
};

/// LMDB-backed store of intent records with user/status/tx indexes and the
/// dead-letter set. Reads may run on any thread at once; writes must come
/// from one thread at a time (the storage writer).
class intent_store {
public:
  ~intent_store();
  intent_store(intent_store&&) noexcept;
  intent_store& operator=(intent_store&&) noexcept;

  static outcome<intent_store> open(const store_options& opts);

  /// Writes records (insert or replace by id) and updates every index in one
  /// transaction: all or nothing.
  outcome<done> put(const std::vector<intent_record>& records);

  /// Writes solver counters in their own transaction.
  outcome<done> put_solver_stats(const std::vector<solver_stats>& stats);

  std::optional<intent_record> get(const std::string& id) const;

  /// Pages through records matching the query, newest created first. The
  /// cursor stays valid while records are added.
  outcome<record_page> list(const list_query& query) const;

  /// The intent id that produced a transaction hash.
  std::optional<std::string> find_by_tx(const std::string& hash) const;

  /// Records flagged dead_letter, oldest first, at most `limit`.
  std::vector<intent_record> dead_letters(uint32_t limit) const;

  std::vector<solver_stats> load_solver_stats() const;

  /// Calls `fn` for every non-terminal record (crash recovery).
  void for_each_live(const std::function<void(intent_record&&)>& fn) const;

  /// Number of records per status, indexed by intent_status.
  std::vector<uint64_t> count_by_status() const;

private:
  struct impl;
  explicit intent_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd

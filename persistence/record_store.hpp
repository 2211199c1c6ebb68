#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "persistence/intent_store.hpp"

namespace intentd {

/// How durable state reaches the disk (`storage.write_path`).
enum class write_path {
  lmdb, // every group commit is an LMDB transaction (intent_store)
  log,  // an append to the write log, checkpointed into LMDB (logged_store)
};

/// The write path and, for `log`, when its checkpointer writes LMDB
/// (logged_store_options).
struct write_path_options {
  write_path path = write_path::lmdb;
  std::chrono::milliseconds checkpoint_interval{1000};
  std::size_t checkpoint_records = 100'000;
  uint64_t checkpoint_log_bytes = 64ull << 20;
};

/// The write log's figures for /metrics and /readyz (write_path log).
struct write_log_figures {
  uint64_t checkpoints = 0;         // that wrote something
  uint64_t checkpoint_failures = 0; // since open
  uint64_t failures_in_row = 0;     // since the last success
  std::optional<problem> last_problem;
  uint64_t log_bytes = 0;     // appended since open
  uint64_t table_entries = 0; // intents not yet checkpointed
  /// Checkpoints held until recovered() (open_record_store).
  bool checkpoints_held = false;
};

/// What the engine needs from a store of intent records: intent_store's
/// reads and writes. Two implementations: LMDB written at every commit
/// (intent_store), and the write log checkpointed into LMDB
/// (logged_store); open_record_store picks one. Reads may run on any
/// thread; writes come from one thread at a time.
class record_store {
public:
  virtual ~record_store();

  virtual bool read_only() const = 0;

  virtual outcome<done> put(const std::vector<intent_record>& records) = 0;
  /// A write that leaves nothing behind, committed and synced as any.
  virtual outcome<done> probe_write() = 0;
  virtual outcome<done>
  put_solver_stats(const std::vector<solver_stats>& stats) = 0;
  virtual outcome<done> put_account_key(const std::string& account,
                                        const std::string& raw_key) = 0;
  virtual outcome<std::size_t> purge_terminal_before(time_us cutoff,
                                                     std::size_t max_batch) = 0;
  virtual outcome<bool> purge_dead_letter(const std::string& id) = 0;

  virtual outcome<std::optional<intent_record>>
  find(const std::string& id) const = 0;
  virtual outcome<std::optional<std::string>>
  nonce_owner(const std::string& user, uint64_t nonce) const = 0;
  virtual outcome<std::optional<std::string>>
  find_by_tx(const std::string& hash) const = 0;
  virtual outcome<record_page> list(const list_query& query) const = 0;
  virtual outcome<live_page> live_after(const std::string& after,
                                        std::size_t limit) const = 0;
  virtual outcome<std::vector<uint64_t>> count_by_status() const = 0;
  virtual outcome<std::vector<intent_record>>
  dead_letters(uint32_t limit) const = 0;
  virtual outcome<uint64_t> dead_letter_count() const = 0;
  virtual outcome<std::vector<solver_stats>> load_solver_stats() const = 0;
  virtual outcome<std::vector<std::pair<std::string, std::string>>>
  load_account_keys() const = 0;

  virtual write_path path() const = 0;
  /// The log's figures; nullopt on the LMDB write path.
  virtual std::optional<write_log_figures> log_figures() const = 0;
  /// A clean stop, once the writers are gone: on the log write path the
  /// checkpointer stops and a last checkpoint runs, so that the next open
  /// replays nothing; a failed one is a problem (the log still holds
  /// everything). Nothing to do on the LMDB write path.
  virtual outcome<done> close() = 0;
  /// The engine's recovery is done: on the log write path the checkpoints
  /// held since open may run (the replayed table is not written into LMDB
  /// while recovery reads). Nothing to do on the LMDB write path.
  virtual void recovered() {}
};

/// What open_record_store found, for its start-up line.
struct record_store_opened {
  std::shared_ptr<record_store> store;
  /// On the log write path: the records replayed, the table's size after
  /// replay and how long open() took.
  uint64_t replayed = 0;
  uint64_t table_size = 0;
  uint64_t torn_bytes = 0;
  std::chrono::milliseconds took{0};
};

/// Opens the store at `opts.path` on the write path `wp`: intent_store, or
/// logged_store with its checkpointer thread running, its checkpoints held
/// until recovered() (the log replayed before this returns; `opts.sync` is
/// the log's sync too). The log write path refuses read-only storage.
outcome<record_store_opened> open_record_store(const store_options& opts,
                                               const write_path_options& wp);

/// An intent_store as a record_store.
std::shared_ptr<record_store> lmdb_record_store(intent_store store);

} // namespace intentd

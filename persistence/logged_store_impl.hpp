#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "persistence/live_table.hpp"
#include "persistence/logged_store.hpp"

namespace intentd {

struct logged_store::impl {
  using time_point = std::chrono::steady_clock::time_point;

  logged_store_options opts;
  intent_store store;
  /// Guards `log`: the writer appends, a checkpoint truncates.
  std::mutex log_mutex;
  write_log log;
  logged_open_report report;
  std::atomic<uint64_t> checkpoint_seq{1};
  /// Guards `table`, `applied_seq` and `logged_bytes`: put() and the
  /// checkpoint's trim hold it exclusively, reads shared for their whole
  /// duration, so that a read never sees an entry gone from the table
  /// before LMDB holds it.
  mutable std::shared_mutex mutex;
  live_table table;
  /// Solver counters and account keys logged since the last checkpoint:
  /// solver id -> (counters, log sequence); raw key -> (account, log
  /// sequence).
  std::map<std::string, std::pair<solver_stats, uint64_t>> solvers;
  std::map<std::string, std::pair<std::string, uint64_t>> keys;
  /// Every log record before it is in the table (the writer appends, then
  /// applies): a checkpoint's C.
  uint64_t applied_seq = 1;
  /// Bytes appended to the log since open.
  uint64_t logged_bytes = 0;
  /// Held exclusively by a checkpoint from its LMDB commit until the
  /// table's bases say what LMDB holds, shared by the counts, which add
  /// the table's deltas to LMDB's counts.
  mutable std::shared_mutex commit_mutex;

  /// One checkpoint at a time; guards the trigger state below.
  mutable std::mutex checkpoint_mutex;
  time_point last_checkpoint;
  std::atomic<uint64_t> bytes_at_checkpoint{0};
  /// logged_store_options::hold_checkpoints until release_checkpoints().
  std::atomic<bool> held{false};
  /// A checkpoint committed but could not truncate the log: the next one
  /// is due even with nothing new, to truncate it.
  bool truncation_pending = false;

  /// The checkpointer thread.
  mutable std::mutex run_mutex;
  std::condition_variable wake_cv;
  bool wake = false;
  bool stop = false;
  /// Its checkpoints' outcomes and the pause after failures.
  checkpoint_tally tally;
  std::thread thread;

  impl(logged_store_options o, intent_store s, write_log l)
      : opts(std::move(o)), store(std::move(s)), log(std::move(l)) {}

  time_point now() const {
    return opts.clock ? opts.clock() : std::chrono::steady_clock::now();
  }
  /// Under `mutex`: whether the table or the log is past a threshold.
  bool over_threshold() const {
    return table.size() >= opts.checkpoint_records ||
           logged_bytes - bytes_at_checkpoint >= opts.checkpoint_log_bytes;
  }
  /// Held checkpoints (hold_checkpoints, until the engine's recovery is
  /// done) run anyway past four times a threshold: what a long recovery
  /// and the submissions meanwhile write stays bounded in memory and log.
  bool holding() const {
    return held && table.size() < 4 * opts.checkpoint_records &&
           logged_bytes - bytes_at_checkpoint < 4 * opts.checkpoint_log_bytes;
  }
  void nudge();

  /// Appends `payloads` to the log as one batch (one fdatasync): the
  /// sequence of the first.
  outcome<uint64_t> append(const std::vector<std::string>& payloads) {
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    std::lock_guard log_lock(log_mutex);
    return log.append(views);
  }

  /// After append: under `mutex`, `fill()` puts the batch into the table,
  /// then the batch is counted as applied; wakes the checkpointer when a
  /// threshold is crossed.
  template<class Fill>
  void apply(const std::vector<std::string>& payloads, uint64_t first,
             Fill&& fill) {
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    bool over = false;
    {
      std::unique_lock lock(mutex);
      fill();
      applied_seq = first + payloads.size();
      logged_bytes += write_log::framed_size(views);
      over = over_threshold();
    }
    if (over)
      nudge();
  }
};

/// What LMDB holds for an intent, from a find() of it.
inline std::optional<stored_state>
stored_state_of(const std::optional<intent_record>& stored) {
  if (!stored)
    return std::nullopt;
  return stored_state{stored->status, stored->dead_letter};
}

} // namespace intentd

#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "actors/auction.hpp"
#include "actors/directory.hpp"
#include "actors/messages.hpp"
#include "actors/rate_limit_table.hpp"
#include "actors/solver.hpp"
#include "actors/status_cache.hpp"
#include "actors/storage_writer.hpp"
#include "persistence/chain_journal_log.hpp"
#include "persistence/record_store.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/metrics/engine_metrics.hpp"

namespace intentd {

/// What the storage writer last saw, for /readyz.
struct commit_health {
  std::atomic<bool> last_ok{true};
  std::atomic<uint64_t> failures{0}; // failed commits since the last success
  /// False while the simulated chain cannot store its block.
  std::atomic<bool> chain_ok{true};

  /// Whether the store and the chain take writes, as far as the last
  /// commit, probe or retry of each tells.
  bool writable() const { return last_ok && chain_ok; }
};

/// Connects the engine's actors to its metrics: each call fills the hooks
/// of one actor's options. The writer's probe, when set, reports to
/// `health` too.
void observe_commits(writer_options& opts, std::shared_ptr<engine_metrics> m,
                     std::shared_ptr<commit_health> health);
void observe_solvers(solver_pool_options& opts,
                     std::shared_ptr<engine_metrics> m);
void observe_directory(directory_options& opts, const engine_metrics& m);
/// Creates the series of every external solver of `opts` at zero and
/// feeds them from the auction's counts: the solver_quotes_* families, the
/// settlements, the cooldown, and solver_success_rate,
/// solver_execution_time_seconds and solver_execution_duration_seconds with
/// a settlement as an external solver's execution.
void observe_auction(auction_options& opts, std::shared_ptr<engine_metrics> m);

/// Chains the metrics after `next` (which may be empty).
transition_hook observe_transitions(std::shared_ptr<engine_metrics> m,
                                    transition_hook next = {});

/// Refreshes intents_by_status and dead_letters from storage at every
/// scrape, while the store lives; on the log write path also
/// storage_checkpoints_total, storage_checkpoint_failures_total,
/// storage_log_bytes_total and storage_log_table_entries.
void observe_store(engine_metrics& m, std::weak_ptr<const record_store> store);

/// Feeds chain_journal_checkpoints_total,
/// chain_journal_checkpoint_failures_total, chain_journal_log_bytes_total,
/// chain_journal_overlay_entries and chain_journal_refused_total from the
/// simulated chain's logged journal at every scrape (created at zero).
void observe_chain_journal(
    engine_metrics& m, std::shared_ptr<const chain_journal_monitor> journal);

/// Copies the rate limiter's and the status cache's own counters into
/// http_rate_limited_total and cache_requests_total at each scrape.
void observe_edge(engine_metrics& m, std::weak_ptr<const rate_limiter> limiter,
                  std::weak_ptr<const status_cache> cache);

/// The storage writer's probe: a write into the store, and at least
/// `min_free_bytes` free on the filesystem of `path`.
std::function<write_outcome()>
storage_probe(std::shared_ptr<record_store> store, std::string path,
              uint64_t min_free_bytes = 1u << 20);

/// The "storage" readiness check: failing while commits fail, and on the
/// log write path while checkpoints fail.
health_check storage_check(const record_store* store, const commit_health& h,
                           const std::string& path);

/// The "chain" readiness check of `which` chain, which answered: failing
/// while the checkpoints of its logged journal (null: none) fail in a row,
/// and saying so when the journal refuses new blocks meanwhile.
health_check chain_check(const std::string& which,
                         const chain_journal_monitor* journal);

/// The status label of a submission's outcome.
std::string submit_status(const outcome<submit_result>& r);

} // namespace intentd

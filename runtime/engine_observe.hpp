#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "actors/cache.hpp"
#include "actors/directory.hpp"
#include "actors/messages.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/solver.hpp"
#include "actors/storage_writer.hpp"
#include "runtime/engine.hpp"
#include "runtime/metrics/engine_metrics.hpp"

namespace intentd {

/// What the storage writer last saw, for /readyz.
struct commit_health {
  std::atomic<bool> last_ok{true};
  std::atomic<uint64_t> failures{0}; // failed commits since the last success
};

/// Connects the engine's actors to its metrics: each call fills the hooks
/// of one actor's options.
void observe_commits(writer_options& opts, std::shared_ptr<engine_metrics> m,
                     std::shared_ptr<commit_health> health);
void observe_solvers(solver_pool_options& opts,
                     std::shared_ptr<engine_metrics> m);
void observe_directory(directory_options& opts, const engine_metrics& m);

/// Chains the metrics after `next` (which may be empty).
transition_hook observe_transitions(std::shared_ptr<engine_metrics> m,
                                    transition_hook next = {});

/// Refreshes intents_by_status and dead_letters from storage at every
/// scrape, while the store lives.
void observe_store(engine_metrics& m, std::weak_ptr<const intent_store> store);

/// Copies the rate limiter's and the status cache's own counters into
/// http_rate_limited_total and cache_requests_total at each scrape.
void observe_edge(engine_metrics& m, std::weak_ptr<const rate_limiter> limiter,
                  std::weak_ptr<const status_cache> cache);

/// The "storage" readiness check.
health_check storage_check(const intent_store* store, const commit_health& h,
                           const std::string& path);

/// The status label of a submission's outcome.
std::string submit_status(const outcome<submit_result>& r);

} // namespace intentd

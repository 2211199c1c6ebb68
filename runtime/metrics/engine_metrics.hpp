#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/metrics/registry.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

/// The metric families of one engine and the calls that feed them. Every
/// call is thread-safe; hot paths update pre-resolved handles with atomics.
///
/// Families fed by other parts of the daemon (rate limiter, cache,
/// WebSocket notifier) are declared here too, so that they are exposed at
/// zero from the start: resolve a handle once, keep it, and count.
///   rate_limited(rule).inc()             http_rate_limited_total{rule}
///   cache_request(level, hit).inc()      cache_requests_total{level,result}
///   websocket_connections().add(+1 / -1) websocket_connections
///   websocket_slow_consumers_dropped().inc()
///                                        websocket_slow_consumers_dropped_total
///   external_solvers_connected().set(n)  external_solvers_connected
///   solver_connections_accepted().inc()  solver_ws_connections_total
///   solver_auth_failure(reason).inc()    solver_ws_auth_failures_total{reason}
///   solver_frames_received() / _sent()   solver_ws_frames_total{direction}
class engine_metrics {
public:
  engine_metrics();
  engine_metrics(const engine_metrics&) = delete;
  engine_metrics& operator=(const engine_metrics&) = delete;

  metrics::registry& registry() { return registry_; }

  /// The whole registry in the Prometheus text format.
  std::string expose() const { return registry_.expose(); }

  /// A submission's outcome: `status` is "accepted", "duplicate" or an
  /// error code ("invalid_intent", "conflict", "overloaded", ...); `type`
  /// the action, or "unknown" when the body did not name a valid one.
  void submitted(std::string_view type, std::string_view status);

  /// A durable write that moved an intent forward (intent_deps's
  /// on_transition): counts and times intents reaching a terminal state.
  void transition(const intent_record& stored, uint64_t previous_seq);

  /// One solver's execution attempt, as the solver measured it.
  void execution(const std::string& solver_id, action_kind action,
                 double seconds);

  /// A solver's lifetime counters (restored from storage at boot).
  void solver_totals(const std::string& solver_id, uint64_t attempts,
                     uint64_t successes, uint64_t total_execution_us);
  /// A solver's success rate and mean seconds per execution (for an
  /// external solver: per settlement), as solver_totals sets them.
  void solver_figures(const std::string& solver_id, double success_rate,
                      double mean_seconds);

  // External solvers (the auction's counts, docs/operations.md).

  /// Creates the series of external solver `solver_id` at zero.
  void external_solver(const std::string& solver_id);
  /// solver_quotes_asked_total: a quote_request sent.
  void quote_asked(const std::string& solver_id);
  /// solver_quotes_answered_total and solver_quote_response_seconds: the
  /// first in-time quote for a request, `seconds` after it was sent.
  void quote_answered(const std::string& solver_id, double seconds);
  /// solver_quotes_valid_total: a quote that passed the checks.
  void quote_valid(const std::string& solver_id);
  /// solver_quotes_rejected_total: a quote or frame refused for `reason`.
  void quote_rejected(const std::string& solver_id, const std::string& reason);
  /// solver_quotes_won_total: an auction won (the solver was assigned).
  void quote_won(const std::string& solver_id);
  /// solver_settlements_total: a settlement that ended `ok` or failed.
  void settlement(const std::string& solver_id, bool ok);
  /// solver_resting_until_seconds: when the solver's current or last rest
  /// ends, in Unix seconds.
  void resting_until(const std::string& solver_id, double unix_seconds);
  /// solver_connected: 1 while the solver is connected, else 0.
  metrics::gauge solver_connected(const std::string& solver_id) const;

  /// An answered HTTP request; `route` is a template such as
  /// "/api/v1/intents/{id}", never a raw path.
  void http_request(std::string_view method, std::string_view route,
                    unsigned code, double seconds);

  /// One storage commit of `records` records.
  void commit(double seconds, size_t records);

  /// Intents per status as stored (indexed by intent_status).
  void set_by_status(const std::vector<uint64_t>& counts);
  void set_dead_letters(uint64_t n);
  /// Live intent actors, kept current by the directory.
  metrics::gauge live_intents() const { return live_intents_; }

  metrics::counter rate_limited(std::string_view rule) const;
  metrics::counter cache_request(std::string_view level, bool hit) const;
  metrics::gauge websocket_connections() const { return ws_connections_; }
  metrics::counter websocket_slow_consumers_dropped() const {
    return ws_dropped_;
  }
  /// Authenticated external solver connections (GET /api/v1/solver-ws).
  metrics::gauge external_solvers_connected() const {
    return solvers_connected_;
  }
  /// WebSocket upgrades accepted at /api/v1/solver-ws, before their auth.
  metrics::counter solver_connections_accepted() const {
    return solver_accepted_;
  }
  /// A solver connection closed before or at its auth: `reason` is
  /// bad_frame, unknown_solver, bad_signature or timeout.
  metrics::counter solver_auth_failure(std::string_view reason) const;
  /// Frames read from / written to external solver connections.
  metrics::counter solver_frames_received() const { return solver_in_; }
  metrics::counter solver_frames_sent() const { return solver_out_; }
  /// storage_corrupt_values_total: stored values refused as damaged.
  metrics::counter storage_corrupt() const { return storage_corrupt_; }
  /// intent_storage_waits_total: an intent paused for the chain's storage.
  metrics::counter storage_waits() const { return storage_waits_; }

private:
  metrics::registry registry_;
  metrics::counter_family submitted_;
  metrics::counter_family processed_;
  metrics::histogram_family resolution_;
  metrics::histogram_family processing_;
  metrics::histogram_family gas_;
  metrics::gauge_family by_status_;
  metrics::gauge_family solver_rate_;
  metrics::gauge_family solver_mean_;
  metrics::histogram_family solver_duration_;
  metrics::counter_family quotes_asked_;
  metrics::counter_family quotes_answered_;
  metrics::counter_family quotes_valid_;
  metrics::counter_family quotes_won_;
  metrics::counter_family quotes_rejected_;
  metrics::histogram_family quote_response_;
  metrics::counter_family settlements_;
  metrics::gauge_family solver_connected_;
  metrics::gauge_family solver_resting_;
  metrics::counter_family http_requests_;
  metrics::histogram_family http_latency_;
  metrics::histogram_family commit_latency_;
  metrics::histogram_family commit_batch_;
  metrics::gauge dead_letters_;
  metrics::gauge live_intents_;
  metrics::counter_family rate_limited_;
  metrics::counter_family cache_;
  metrics::gauge ws_connections_;
  metrics::counter ws_dropped_;
  metrics::gauge solvers_connected_;
  metrics::counter solver_accepted_;
  metrics::counter_family solver_auth_failures_;
  metrics::counter solver_in_;
  metrics::counter solver_out_;
  metrics::counter storage_corrupt_;
  metrics::counter storage_waits_;

  // Handles resolved at construction for the label values known up front.
  static constexpr int actions = 3;
  std::array<metrics::gauge, intent_status_count> by_status_handles_;
  std::array<metrics::histogram, actions> resolution_handles_;
  std::array<metrics::histogram, actions> processing_handles_;
  std::array<metrics::histogram, actions> gas_handles_;
  std::array<std::array<metrics::counter, intent_status_count>, actions>
      processed_handles_;
  metrics::histogram commit_latency_handle_;
  metrics::histogram commit_batch_handle_;
};

} // namespace intentd

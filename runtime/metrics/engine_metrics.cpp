#include "runtime/metrics/engine_metrics.hpp"

#include <algorithm>

namespace intentd {

namespace {

using metrics::exponential_buckets;

constexpr action_kind all_actions[] = {action_kind::swap, action_kind::transfer,
                                       action_kind::stake};

/// 5 ms .. about 10 min: intents wait for blocks, retries and deadlines.
std::vector<double> resolution_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,   2.5,
          5,     10,   30,    60,   120, 300,  600, 1800};
}

/// 0.5 ms .. 10 s: one chain call or one HTTP request.
std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

time_us entered(const intent_record& rec, intent_status status) {
  for (auto it = rec.history.rbegin(); it != rec.history.rend(); ++it)
    if (it->status == status)
      return it->at;
  return -1;
}

double seconds_between(time_us from, time_us to) {
  return std::max<time_us>(to - from, 0) / 1e6;
}

} // namespace

engine_metrics::engine_metrics() {
  auto& r = registry_;
  submitted_ = r.add_counter(
      "intents_submitted_total",
      "Intent submissions by action type and outcome (accepted, duplicate, "
      "or the error code that refused them).",
      {"type", "status"});
  processed_ = r.add_counter(
      "intents_processed_total",
      "Intents that reached a terminal status, by action type and status.",
      {"action_type", "status"});
  resolution_ = r.add_histogram(
      "intent_resolution_time_seconds",
      "Seconds from an intent's creation to its terminal status.", {"type"},
      resolution_buckets());
  processing_ = r.add_histogram(
      "intent_processing_time_seconds",
      "Seconds from entering executing (a solver holds it) to the terminal "
      "status; intents that never executed are not observed.",
      {"action"}, resolution_buckets());
  by_status_ =
      r.add_gauge("intents_by_status",
                  "Stored intents per status (durable counts).", {"status"});
  gas_ = r.add_histogram("intent_gas_used",
                         "Gas used by executed intents (completed or failed "
                         "on chain), by action.",
                         {"action"}, exponential_buckets(10'000, 2, 14));
  solver_rate_ = r.add_gauge(
      "solver_success_rate",
      "Successful executions / attempts per solver since it was first used "
      "(0 before any attempt).",
      {"solver_id"});
  solver_mean_ = r.add_gauge(
      "solver_execution_time_seconds",
      "Mean seconds per execution attempt per solver, over its lifetime.",
      {"solver_id"});
  solver_duration_ = r.add_histogram(
      "solver_execution_duration_seconds",
      "Seconds per execution attempt, by solver and action type.",
      {"solver_id", "action_type"}, latency_buckets());
  quotes_asked_ = r.add_counter("solver_quotes_asked_total",
                                "Quote requests sent to an external solver.",
                                {"solver_id"});
  quotes_answered_ = r.add_counter(
      "solver_quotes_answered_total",
      "Quote requests an external solver answered within the window.",
      {"solver_id"});
  quotes_valid_ = r.add_counter(
      "solver_quotes_valid_total",
      "Quotes of an external solver that passed every check.", {"solver_id"});
  quotes_won_ = r.add_counter(
      "solver_quotes_won_total",
      "Auctions an external solver won (it was assigned to settle).",
      {"solver_id"});
  quotes_rejected_ = r.add_counter(
      "solver_quotes_rejected_total",
      "Quotes and frames of an external solver refused, by reason (a quote "
      "reason code such as late or bad_signature, or a frame error code).",
      {"solver_id", "reason"});
  quote_response_ = r.add_histogram(
      "solver_quote_response_seconds",
      "Seconds from a quote request to the external solver's first in-time "
      "quote for it.",
      {"solver_id"}, latency_buckets());
  settlements_ = r.add_counter(
      "solver_settlements_total",
      "Settlements with an external solver's quote, by result (settled, "
      "failed).",
      {"solver_id", "result"});
  solver_connected_ = r.add_gauge(
      "solver_connected",
      "1 while an external solver is connected and authenticated, else 0.",
      {"solver_id"});
  solver_resting_ = r.add_gauge(
      "solver_resting_until_seconds",
      "Unix time at which an external solver's current or last cooldown "
      "ends (0 before its first); it rests while this is in the future.",
      {"solver_id"});
  http_requests_ = r.add_counter(
      "http_requests_total",
      "HTTP requests answered, by method, route template and status code.",
      {"method", "route", "code"});
  http_latency_ = r.add_histogram(
      "http_request_duration_seconds",
      "Seconds from a routed request to its answer, by method and route.",
      {"method", "route"}, latency_buckets());
  commit_latency_ = r.add_histogram(
      "storage_commit_duration_seconds",
      "Seconds per storage commit (one LMDB write transaction and sync).", {},
      latency_buckets());
  commit_batch_ = r.add_histogram("storage_commit_batch_size",
                                  "Intent records per storage commit.", {},
                                  exponential_buckets(1, 2, 12));
  dead_letters_ =
      r.add_gauge("dead_letters", "Intents in the dead-letter queue.").get();
  live_intents_ =
      r.add_gauge("live_intent_actors", "Intent actors currently alive.").get();
  rate_limited_ =
      r.add_counter("http_rate_limited_total",
                    "Requests refused with 429, by rate-limit rule.", {"rule"});
  cache_ = r.add_counter("cache_requests_total",
                         "Cache lookups by level and result (hit, miss).",
                         {"level", "result"});
  ws_connections_ =
      r.add_gauge("websocket_connections", "Open WebSocket connections.").get();
  ws_dropped_ =
      r.add_counter("websocket_slow_consumers_dropped_total",
                    "WebSocket clients closed because they read too slowly.")
          .get();
  solvers_connected_ =
      r.add_gauge("external_solvers_connected",
                  "External solvers connected and authenticated now.")
          .get();
  solver_accepted_ =
      r.add_counter("solver_ws_connections_total",
                    "WebSocket connections accepted at /api/v1/solver-ws, "
                    "before their authentication.")
          .get();
  solver_auth_failures_ = r.add_counter(
      "solver_ws_auth_failures_total",
      "Solver connections closed before or at authentication, by reason "
      "(bad_frame, unknown_solver, bad_signature, timeout).",
      {"reason"});
  auto solver_frames =
      r.add_counter("solver_ws_frames_total",
                    "Frames on external solver connections, by direction "
                    "(received, sent).",
                    {"direction"});
  solver_in_ = solver_frames.with({"received"});
  solver_out_ = solver_frames.with({"sent"});
  storage_waits_ =
      r.add_counter("intent_storage_waits_total",
                    "Pauses of an intent because the chain could not store "
                    "its call (a full disk): waits, not retries.")
          .get();
  storage_corrupt_ =
      r.add_counter("storage_corrupt_values_total",
                    "Stored values refused as damaged (a checksum that does "
                    "not match, or bytes that do not decode) since start.")
          .get();

  for (int s = 0; s < intent_status_count; ++s)
    by_status_handles_[s] =
        by_status_.with({to_string(static_cast<intent_status>(s))});
  for (auto a : all_actions) {
    auto i = static_cast<int>(a);
    resolution_handles_[i] = resolution_.with({to_string(a)});
    processing_handles_[i] = processing_.with({to_string(a)});
    gas_handles_[i] = gas_.with({to_string(a)});
    for (int s = 0; s < intent_status_count; ++s)
      if (is_terminal(static_cast<intent_status>(s)))
        processed_handles_[i][s] = processed_.with(
            {to_string(a), to_string(static_cast<intent_status>(s))});
    submitted_.with({to_string(a), "accepted"});
  }
  for (const char* reason :
       {"bad_frame", "unknown_solver", "bad_signature", "timeout"})
    solver_auth_failures_.with({reason});
  commit_latency_handle_ = commit_latency_.get();
  commit_batch_handle_ = commit_batch_.get();
}

void engine_metrics::submitted(std::string_view type, std::string_view status) {
  submitted_.with({std::string{type}, std::string{status}}).inc();
}

void engine_metrics::transition(const intent_record& stored, uint64_t) {
  if (!is_terminal(stored.status))
    return;
  auto a = static_cast<int>(stored.request.action);
  auto s = static_cast<int>(stored.status);
  processed_handles_[a][s].inc();
  auto end = stored.updated_at;
  resolution_handles_[a].observe(seconds_between(stored.created_at, end));
  if (auto started = entered(stored, intent_status::executing); started >= 0)
    processing_handles_[a].observe(seconds_between(started, end));
  if (stored.execution.gas_used > 0)
    gas_handles_[a].observe(static_cast<double>(stored.execution.gas_used));
}

void engine_metrics::execution(const std::string& solver_id, action_kind action,
                               double seconds) {
  solver_duration_.with({solver_id, to_string(action)}).observe(seconds);
}

void engine_metrics::solver_totals(const std::string& solver_id,
                                   uint64_t attempts, uint64_t successes,
                                   uint64_t total_execution_us) {
  double rate = attempts ? double(successes) / double(attempts) : 0.0;
  double mean =
      attempts ? double(total_execution_us) / 1e6 / double(attempts) : 0.0;
  solver_figures(solver_id, rate, mean);
}

void engine_metrics::solver_figures(const std::string& solver_id,
                                    double success_rate, double mean_seconds) {
  solver_rate_.with({solver_id}).set(success_rate);
  solver_mean_.with({solver_id}).set(mean_seconds);
}

void engine_metrics::external_solver(const std::string& solver_id) {
  solver_figures(solver_id, 0, 0);
  quotes_asked_.with({solver_id});
  quotes_answered_.with({solver_id});
  quotes_valid_.with({solver_id});
  quotes_won_.with({solver_id});
  quote_response_.with({solver_id});
  settlements_.with({solver_id, "settled"});
  settlements_.with({solver_id, "failed"});
  solver_connected_.with({solver_id});
  solver_resting_.with({solver_id});
}

void engine_metrics::quote_asked(const std::string& solver_id) {
  quotes_asked_.with({solver_id}).inc();
}

void engine_metrics::quote_answered(const std::string& solver_id,
                                    double seconds) {
  quotes_answered_.with({solver_id}).inc();
  quote_response_.with({solver_id}).observe(seconds);
}

void engine_metrics::quote_valid(const std::string& solver_id) {
  quotes_valid_.with({solver_id}).inc();
}

void engine_metrics::quote_rejected(const std::string& solver_id,
                                    const std::string& reason) {
  quotes_rejected_.with({solver_id, reason}).inc();
}

void engine_metrics::quote_won(const std::string& solver_id) {
  quotes_won_.with({solver_id}).inc();
}

void engine_metrics::settlement(const std::string& solver_id, bool ok) {
  settlements_.with({solver_id, ok ? "settled" : "failed"}).inc();
}

void engine_metrics::resting_until(const std::string& solver_id,
                                   double unix_seconds) {
  solver_resting_.with({solver_id}).set(unix_seconds);
}

metrics::gauge
engine_metrics::solver_connected(const std::string& solver_id) const {
  return solver_connected_.with({solver_id});
}

void engine_metrics::http_request(std::string_view method,
                                  std::string_view route, unsigned code,
                                  double seconds) {
  std::string m{method};
  std::string r{route};
  http_requests_.with({m, r, std::to_string(code)}).inc();
  http_latency_.with({m, r}).observe(seconds);
}

void engine_metrics::commit(double seconds, size_t records) {
  commit_latency_handle_.observe(seconds);
  commit_batch_handle_.observe(static_cast<double>(records));
}

void engine_metrics::set_by_status(const std::vector<uint64_t>& counts) {
  for (size_t s = 0; s < counts.size() && s < by_status_handles_.size(); ++s)
    by_status_handles_[s].set(static_cast<double>(counts[s]));
}

void engine_metrics::set_dead_letters(uint64_t n) {
  dead_letters_.set(static_cast<double>(n));
}

metrics::counter engine_metrics::rate_limited(std::string_view rule) const {
  return rate_limited_.with({std::string{rule}});
}

metrics::counter engine_metrics::cache_request(std::string_view level,
                                               bool hit) const {
  return cache_.with({std::string{level}, hit ? "hit" : "miss"});
}

metrics::counter
engine_metrics::solver_auth_failure(std::string_view reason) const {
  return solver_auth_failures_.with({std::string{reason}});
}

} // namespace intentd

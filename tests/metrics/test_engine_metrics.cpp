#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "runtime/metrics/engine_metrics.hpp"

using namespace intentd;

namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

intent_record terminal_swap() {
  intent_record rec;
  rec.request.id = "i1";
  rec.request.action = action_kind::swap;
  rec.status = intent_status::completed;
  rec.created_at = 1'000'000;
  rec.updated_at = 4'000'000;
  rec.history = {{intent_status::pending, 1'000'000},
                 {intent_status::verified, 1'500'000},
                 {intent_status::executing, 2'000'000},
                 {intent_status::completed, 4'000'000}};
  rec.execution.gas_used = 21'000;
  rec.seq = 4;
  return rec;
}

} // namespace

TEST_CASE("every family is exposed before anything happens") {
  engine_metrics m;
  auto text = m.expose();
  std::pair<const char*, const char*> families[] = {
      {"intents_submitted_total", "counter"},
      {"intents_processed_total", "counter"},
      {"intent_resolution_time_seconds", "histogram"},
      {"intent_processing_time_seconds", "histogram"},
      {"intents_by_status", "gauge"},
      {"intent_gas_used", "histogram"},
      {"solver_success_rate", "gauge"},
      {"solver_execution_time_seconds", "gauge"},
      {"solver_execution_duration_seconds", "histogram"},
      {"http_requests_total", "counter"},
      {"http_request_duration_seconds", "histogram"},
      {"storage_commit_duration_seconds", "histogram"},
      {"storage_commit_batch_size", "histogram"},
      {"dead_letters", "gauge"},
      {"live_intent_actors", "gauge"},
      {"http_rate_limited_total", "counter"},
      {"cache_requests_total", "counter"},
      {"websocket_connections", "gauge"},
      {"websocket_slow_consumers_dropped_total", "counter"},
      {"external_solvers_connected", "gauge"},
      {"solver_ws_connections_total", "counter"},
      {"solver_ws_auth_failures_total", "counter"},
      {"solver_ws_frames_total", "counter"},
      {"solver_quotes_asked_total", "counter"},
      {"solver_quotes_answered_total", "counter"},
      {"solver_quotes_valid_total", "counter"},
      {"solver_quotes_won_total", "counter"},
      {"solver_quotes_rejected_total", "counter"},
      {"solver_quote_response_seconds", "histogram"},
      {"solver_settlements_total", "counter"},
      {"solver_connected", "gauge"},
      {"solver_resting_until_seconds", "gauge"}};
  // Not a structured binding: clang refuses to capture one in the lambda
  // CHECK_MESSAGE expands to.
  for (const auto& family : families)
    CHECK_MESSAGE(
        has(text, std::string{"# TYPE "} + family.first + " " + family.second),
        family.first);
  CHECK(has(text, "intents_by_status{status=\"pending\"} 0"));
  CHECK(has(text, "intents_processed_total{action_type=\"swap\",status="
                  "\"completed\"} 0"));
  CHECK(has(text, "websocket_connections 0"));
  CHECK(has(text, "websocket_slow_consumers_dropped_total 0"));
  CHECK(has(text, "external_solvers_connected 0"));
  CHECK(has(text, "solver_ws_auth_failures_total{reason=\"bad_signature\"} 0"));
  CHECK(has(text, "solver_ws_frames_total{direction=\"received\"} 0"));
}

TEST_CASE("a terminal transition counts and times the intent") {
  engine_metrics m;
  m.transition(terminal_swap(), 3);
  auto running = terminal_swap();
  running.status = intent_status::executing;
  m.transition(running, 2); // not terminal: nothing observed
  auto text = m.expose();
  CHECK(has(text, "intents_processed_total{action_type=\"swap\",status="
                  "\"completed\"} 1"));
  CHECK(has(text, "intent_resolution_time_seconds_sum{type=\"swap\"} 3"));
  CHECK(has(text, "intent_resolution_time_seconds_count{type=\"swap\"} 1"));
  CHECK(has(text, "intent_processing_time_seconds_sum{action=\"swap\"} 2"));
  CHECK(has(text, "intent_gas_used_sum{action=\"swap\"} 21000"));
  CHECK(has(text, "intent_gas_used_count{action=\"transfer\"} 0"));
}

TEST_CASE("an intent that never executed has no processing time") {
  engine_metrics m;
  auto rec = terminal_swap();
  rec.status = intent_status::expired;
  rec.history.resize(2);
  rec.execution.gas_used = 0;
  m.transition(rec, 2);
  auto text = m.expose();
  CHECK(has(text, "intents_processed_total{action_type=\"swap\",status="
                  "\"expired\"} 1"));
  CHECK(has(text, "intent_processing_time_seconds_count{action=\"swap\"} 0"));
  CHECK(has(text, "intent_gas_used_count{action=\"swap\"} 0"));
}

TEST_CASE("submissions, solvers, HTTP, storage and gauges") {
  engine_metrics m;
  m.submitted("swap", "accepted");
  m.submitted("unknown", "invalid_intent");
  m.solver_totals("solver-1", 4, 3, 2'000'000);
  m.execution("solver-1", action_kind::stake, 0.02);
  m.http_request("GET", "/api/v1/intents/{id}", 404, 0.001);
  m.commit(0.004, 12);
  m.set_by_status({5, 0, 1, 7, 0, 0, 0});
  m.set_dead_letters(2);
  m.live_intents().add(3);
  m.rate_limited("per_user").inc();
  m.cache_request("memory", true).inc();
  m.websocket_connections().add(1);
  auto text = m.expose();
  CHECK(has(text,
            "intents_submitted_total{type=\"swap\",status=\"accepted\"} 1"));
  CHECK(has(text, "intents_submitted_total{type=\"unknown\",status="
                  "\"invalid_intent\"} 1"));
  CHECK(has(text, "solver_success_rate{solver_id=\"solver-1\"} 0.75"));
  CHECK(has(text, "solver_execution_time_seconds{solver_id=\"solver-1\"} 0.5"));
  CHECK(has(text, "solver_execution_duration_seconds_count{solver_id=\"solver-"
                  "1\",action_type=\"stake\"} 1"));
  CHECK(has(text, "http_requests_total{method=\"GET\",route=\"/api/v1/intents/"
                  "{id}\",code=\"404\"} 1"));
  CHECK(has(text, "storage_commit_batch_size_sum 12"));
  CHECK(has(text, "intents_by_status{status=\"completed\"} 7"));
  CHECK(has(text, "dead_letters 2"));
  CHECK(has(text, "live_intent_actors 3"));
  CHECK(has(text, "http_rate_limited_total{rule=\"per_user\"} 1"));
  CHECK(has(text, "cache_requests_total{level=\"memory\",result=\"hit\"} 1"));
  CHECK(has(text, "websocket_connections 1"));
}

TEST_CASE("an external solver's series start at zero and count its quotes") {
  engine_metrics m;
  m.external_solver("acme");
  auto text = m.expose();
  for (const char* line :
       {"solver_success_rate{solver_id=\"acme\"} 0",
        "solver_execution_time_seconds{solver_id=\"acme\"} 0",
        "solver_quotes_asked_total{solver_id=\"acme\"} 0",
        "solver_quotes_answered_total{solver_id=\"acme\"} 0",
        "solver_quotes_valid_total{solver_id=\"acme\"} 0",
        "solver_quotes_won_total{solver_id=\"acme\"} 0",
        "solver_quote_response_seconds_count{solver_id=\"acme\"} 0",
        "solver_settlements_total{solver_id=\"acme\",result=\"settled\"} 0",
        "solver_settlements_total{solver_id=\"acme\",result=\"failed\"} 0",
        "solver_connected{solver_id=\"acme\"} 0",
        "solver_resting_until_seconds{solver_id=\"acme\"} 0"})
    CHECK_MESSAGE(has(text, line), line);

  m.quote_asked("acme");
  m.quote_asked("acme");
  m.quote_answered("acme", 0.04);
  m.quote_valid("acme");
  m.quote_rejected("acme", "late");
  m.quote_won("acme");
  m.settlement("acme", true);
  m.settlement("acme", false);
  m.solver_figures("acme", 0.5, 0.25);
  m.resting_until("acme", 1795341605);
  m.solver_connected("acme").set(1);
  text = m.expose();
  for (const char* line :
       {"solver_quotes_asked_total{solver_id=\"acme\"} 2",
        "solver_quotes_answered_total{solver_id=\"acme\"} 1",
        "solver_quote_response_seconds_sum{solver_id=\"acme\"} 0.04",
        "solver_quote_response_seconds_bucket{solver_id=\"acme\",le=\"0.05\"} "
        "1",
        "solver_quotes_valid_total{solver_id=\"acme\"} 1",
        "solver_quotes_rejected_total{solver_id=\"acme\",reason=\"late\"} 1",
        "solver_quotes_won_total{solver_id=\"acme\"} 1",
        "solver_settlements_total{solver_id=\"acme\",result=\"settled\"} 1",
        "solver_settlements_total{solver_id=\"acme\",result=\"failed\"} 1",
        "solver_success_rate{solver_id=\"acme\"} 0.5",
        "solver_execution_time_seconds{solver_id=\"acme\"} 0.25",
        "solver_resting_until_seconds{solver_id=\"acme\"} 1795341605",
        "solver_connected{solver_id=\"acme\"} 1"})
    CHECK_MESSAGE(has(text, line), line);
}

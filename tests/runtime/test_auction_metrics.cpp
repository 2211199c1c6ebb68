// observe_auction: the auction's counts in /metrics, with an external
// solver's settlements in the solver families the built-in solvers feed.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "runtime/engine/metrics_wiring.hpp"

using namespace intentd;

namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("observe_auction creates each external solver's series and feeds "
          "them from the auction's hooks") {
  auto m = std::make_shared<engine_metrics>();
  auction_options opts;
  opts.solvers = {{"acme", "k", "acme.near"}, {"beta", "k", "beta.near"}};
  observe_auction(opts, m);
  auto text = m->expose();
  CHECK(has(text, "solver_quotes_asked_total{solver_id=\"beta\"} 0"));
  CHECK(has(text, "solver_success_rate{solver_id=\"beta\"} 0"));

  auto& o = opts.observer;
  o.asked("acme");
  o.answered("acme", 0.012);
  o.valid("acme");
  o.rejected("beta", "bad_signature");
  o.won("acme");
  external_solver_report after;
  after.solver_id = "acme";
  after.settled = 1;
  after.success_rate = 1;
  after.mean_settlement_ms = 250;
  o.settlement(after, action_kind::swap, true, 0.25);
  after.failed = 1;
  after.success_rate = 0.5;
  after.mean_settlement_ms = 150;
  after.resting_until = 1'795'341'605'500'000;
  o.settlement(after, std::nullopt, false, 0.05);

  text = m->expose();
  for (const char* line :
       {"solver_quotes_asked_total{solver_id=\"acme\"} 1",
        "solver_quotes_answered_total{solver_id=\"acme\"} 1",
        "solver_quote_response_seconds_count{solver_id=\"acme\"} 1",
        "solver_quotes_valid_total{solver_id=\"acme\"} 1",
        "solver_quotes_rejected_total{solver_id=\"beta\",reason=\"bad_"
        "signature\"} 1",
        "solver_quotes_won_total{solver_id=\"acme\"} 1",
        "solver_settlements_total{solver_id=\"acme\",result=\"settled\"} 1",
        "solver_settlements_total{solver_id=\"acme\",result=\"failed\"} 1",
        "solver_success_rate{solver_id=\"acme\"} 0.5",
        "solver_execution_time_seconds{solver_id=\"acme\"} 0.15",
        // Only the settlement whose action was known is in the histogram.
        "solver_execution_duration_seconds_count{solver_id=\"acme\","
        "action_type=\"swap\"} 1",
        "solver_execution_duration_seconds_sum{solver_id=\"acme\","
        "action_type=\"swap\"} 0.25",
        "solver_resting_until_seconds{solver_id=\"acme\"} 1795341605.5"})
    CHECK_MESSAGE(has(text, line), line);
}

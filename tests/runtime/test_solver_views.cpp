// GET /api/v1/solvers: the rows made from the pool's and the auction's
// reports, and their JSON with both kinds of solver.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "runtime/engine/solver_views.hpp"
#include "runtime/model/time.hpp"
#include "tests/runtime/router_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using json = nlohmann::json;

namespace {

constexpr time_us rest_end = 1'795'341'605'000'000; // 2026-11-22T10:00:05Z

solver_report builtin_report() {
  solver_report r;
  r.stats = solver_stats{"solver-2", 8, 6, 2, 160'000};
  r.healthy = false;
  return r;
}

external_solver_report external_report() {
  external_solver_report r;
  r.solver_id = "acme";
  r.account = "acme.near";
  r.connected = true;
  r.resting = true;
  r.resting_until = rest_end;
  r.asked = 10;
  r.answered = 9;
  r.valid = 7;
  r.won = 5;
  r.settled = 3;
  r.failed = 2;
  r.consecutive_failures = 2;
  r.mean_response_ms = 41.5;
  r.mean_settlement_ms = 250;
  r.success_rate = 0.6;
  r.rejected = {{"bad_signature", 1}, {"late", 1}};
  return r;
}

} // namespace

TEST_CASE("a built-in solver's row: its executions, settled and failed as "
          "successes and failures, no quotes") {
  auto v = view_of(builtin_report());
  CHECK(v.solver_id == "solver-2");
  CHECK(v.kind == "builtin");
  CHECK(v.connected);
  CHECK(v.attempts == 8);
  CHECK(v.successes == 6);
  CHECK(v.failures == 2);
  CHECK(v.success_rate == doctest::Approx(0.75));
  CHECK(v.mean_execution_ms == doctest::Approx(20.0));
  CHECK_FALSE(v.healthy);
  CHECK(v.settled == 6);
  CHECK(v.failed == 2);
  CHECK(v.asked == 0);
  CHECK(v.won == 0);
  CHECK(v.resting_until == 0);
  CHECK(v.rejected.empty());
}

TEST_CASE("an external solver's row: settlements as executions, unhealthy "
          "while it rests") {
  auto v = view_of(external_report());
  CHECK(v.kind == "external");
  CHECK(v.connected);
  CHECK(v.attempts == 5);
  CHECK(v.successes == 3);
  CHECK(v.failures == 2);
  CHECK(v.success_rate == doctest::Approx(0.6));
  CHECK(v.mean_execution_ms == doctest::Approx(250.0));
  CHECK_FALSE(v.healthy);
  CHECK(v.resting_until == rest_end);
  CHECK(v.asked == 10);
  CHECK(v.answered == 9);
  CHECK(v.valid == 7);
  CHECK(v.won == 5);
  CHECK(v.settled == 3);
  CHECK(v.failed == 2);
  CHECK(v.mean_response_ms == doctest::Approx(41.5));
  CHECK(v.consecutive_failures == 2);
  CHECK(v.rejected == external_report().rejected);

  // A rest that has ended is not shown, however long ago it was.
  auto rested = external_report();
  rested.resting = false;
  rested.connected = false;
  auto w = view_of(rested);
  CHECK(w.healthy);
  CHECK(w.resting_until == 0);
  CHECK_FALSE(w.connected);
}

TEST_CASE("the rows list the built-in solvers first, then the external ones") {
  auto views = solver_views({builtin_report()}, {external_report()});
  REQUIRE(views.size() == 2);
  CHECK(views[0].solver_id == "solver-2");
  CHECK(views[1].solver_id == "acme");
  CHECK(solver_views({}, {}).empty());
}

TEST_CASE("GET /api/v1/solvers shows every field for both kinds") {
  router_fixture f;
  f.eng.set_solvers(solver_views({builtin_report()}, {external_report(), [] {
                                                        auto r =
                                                            external_report();
                                                        r.solver_id = "beta";
                                                        r.resting = false;
                                                        r.connected = false;
                                                        r.rejected.clear();
                                                        return r;
                                                      }()}));
  auto rep = f.call("GET", "/api/v1/solvers");
  REQUIRE(rep.status == 200);
  auto items = json::parse(rep.body)["solvers"];
  REQUIRE(items.size() == 3);
  CHECK(items[0] == json{{"solver_id", "solver-2"},
                         {"kind", "builtin"},
                         {"connected", true},
                         {"attempts", 8},
                         {"successes", 6},
                         {"failures", 2},
                         {"success_rate", 0.75},
                         {"mean_execution_ms", 20.0},
                         {"healthy", false},
                         {"asked", 0},
                         {"answered", 0},
                         {"valid", 0},
                         {"won", 0},
                         {"settled", 6},
                         {"failed", 2},
                         {"mean_response_ms", 0.0},
                         {"consecutive_failures", 0},
                         {"resting_until", nullptr},
                         {"rejected", json::object()}});
  CHECK(items[1] == json{{"solver_id", "acme"},
                         {"kind", "external"},
                         {"connected", true},
                         {"attempts", 5},
                         {"successes", 3},
                         {"failures", 2},
                         {"success_rate", 0.6},
                         {"mean_execution_ms", 250.0},
                         {"healthy", false},
                         {"asked", 10},
                         {"answered", 9},
                         {"valid", 7},
                         {"won", 5},
                         {"settled", 3},
                         {"failed", 2},
                         {"mean_response_ms", 41.5},
                         {"consecutive_failures", 2},
                         {"resting_until", "2026-11-22T10:00:05Z"},
                         {"rejected", {{"bad_signature", 1}, {"late", 1}}}});
  CHECK(items[2]["solver_id"] == "beta");
  CHECK(items[2]["healthy"] == true);
  CHECK(items[2]["connected"] == false);
  CHECK(items[2]["resting_until"].is_null());
  CHECK(items[2]["rejected"] == json::object());
  CHECK_FALSE(items[1].contains("node"));

  // In a cluster each row names its node.
  auto on_n2 = solver_views({builtin_report()}, {});
  on_n2[0].node = "n2";
  f.eng.set_solvers(on_n2);
  auto clustered = json::parse(f.call("GET", "/api/v1/solvers").body);
  CHECK(clustered["solvers"][0]["node"] == "n2");
}

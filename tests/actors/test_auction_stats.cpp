// The auction's counts as its observer (the metrics) hears them and as its
// stats report them: quotes asked, answered, valid, refused, won, and the
// settlements with their action and time.

#include <doctest/doctest.h>

#include "actors/auction_fixture.hpp"

using namespace auction_test;

using events = std::vector<std::string>;

TEST_CASE_FIXTURE(auction_fixture,
                  "the observer hears each quote count as the stats make it") {
  auto slot = start(swap("swap-1"));
  advance(100 * ms);
  quote("acme", "swap-1", "19.8");
  advance(100 * ms);
  auto other = quote_test::other_keys();
  deliver("gamma", quote_text("gamma", "swap-1", "25", "0", &other));
  advance(800 * ms);
  REQUIRE(result_of(*slot).valid == 1);
  // Sent before the window closed, arriving after: late, not answered.
  deliver("beta", quote_text("beta", "swap-1", "19.9", "0"));

  CHECK(seen->events ==
        events{"asked acme", "asked beta", "asked gamma", "answered acme 100ms",
               "valid acme", "answered gamma 200ms",
               "rejected gamma bad_signature", "rejected beta late"});
  auto acme = stats_of("acme");
  CHECK(acme.asked == 1);
  CHECK(acme.answered == 1);
  CHECK(acme.valid == 1);
  CHECK(acme.mean_response_ms == doctest::Approx(100.0));
  auto gamma = stats_of("gamma");
  CHECK(gamma.answered == 1);
  CHECK(gamma.valid == 0);
  CHECK(rejected(gamma, "bad_signature") == 1);
  CHECK(stats_of("beta").answered == 0);
  CHECK(rejected(stats_of("beta"), "late") == 1);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a settlement is timed from its assignment and counted "
                  "with its action") {
  auto swap_slot = start(swap("swap-1"));
  quote("acme", "swap-1", "20");
  gone("beta");
  gone("gamma");
  REQUIRE(winners(result_of(*swap_slot)) == events{"acme"});
  assigned("acme", "swap-1");
  advance(250 * ms);
  settled("acme", "swap-1");
  auto acme = stats_of("acme");
  CHECK(acme.won == 1);
  CHECK(acme.settled == 1);
  CHECK(acme.mean_settlement_ms == doctest::Approx(250.0));
  CHECK(acme.success_rate == doctest::Approx(1.0));

  channel->connected = {"acme"};
  auto tr = start(transfer("tr-1"));
  quote("acme", "tr-1", "10", "0.01");
  REQUIRE(winners(result_of(*tr)) == events{"acme"});
  assigned("acme", "tr-1");
  advance(50 * ms);
  failed("acme", "tr-1");

  CHECK(seen->of("acme") ==
        events{"asked acme", "answered acme 0ms", "valid acme", "won acme",
               "settled acme swap 250ms", "asked acme", "answered acme 0ms",
               "valid acme", "won acme", "failed acme transfer 50ms"});
  acme = stats_of("acme");
  CHECK(acme.won == 2);
  CHECK(acme.settled == 1);
  CHECK(acme.failed == 1);
  CHECK(acme.mean_settlement_ms == doctest::Approx(150.0));
  CHECK(acme.success_rate == doctest::Approx(0.5));
  // The observer's report is the one the stats give.
  auto& after = seen->after.at("acme");
  CHECK(after.settled == 1);
  CHECK(after.failed == 1);
  CHECK(after.consecutive_failures == 1);
  CHECK(after.mean_settlement_ms == doctest::Approx(150.0));
  CHECK(after.success_rate == doctest::Approx(0.5));
}

TEST_CASE_FIXTURE(auction_fixture,
                  "the observer sees a solver's rest begin with its end") {
  for (auto id : {"swap-1", "swap-2"}) {
    auto slot = start(swap(id));
    quote("acme", id, "20");
    quote("beta", id, "19.6");
    quote("gamma", id, "19.6");
    REQUIRE(winners(result_of(*slot)).front() == "acme");
    assigned("acme", id);
    failed("acme", id);
  }
  auto& after = seen->after.at("acme");
  CHECK(after.resting);
  CHECK(after.resting_until == now() + 1000 * ms);
  CHECK(after.failed == 2);
  CHECK(after.success_rate == 0);
  auto acme = stats_of("acme");
  CHECK(acme.resting);
  CHECK(acme.resting_until == after.resting_until);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a settlement of a request the auction never closed has "
                  "no action") {
  caf::anon_send(auction, assigned_atom::value, std::string{"acme"},
                 std::string{"swap-1"}, std::string{"rq-404"});
  run();
  advance(10 * ms);
  settled("acme", "swap-1");
  CHECK(seen->events == events{"won acme", "settled acme ? 10ms"});
  CHECK(stats_of("acme").settled == 1);
}

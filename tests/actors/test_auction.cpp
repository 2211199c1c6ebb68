// The auction on the test coordinator: its windows, the selection, the
// refusals, the outcomes and the fade breaker.

#include <doctest/doctest.h>

#include "actors/auction_fixture.hpp"

using namespace auction_test;

TEST_CASE_FIXTURE(auction_fixture,
                  "the quote window closes by time with the quotes it got") {
  auto slot = start(swap("swap-1"));
  advance(100 * ms);
  quote("acme", "swap-1", "19.8");
  advance(899 * ms);
  CHECK_FALSE(slot->has_value());
  advance(1 * ms);
  auto& r = result_of(*slot);
  CHECK(r.request_id == "rq-1");
  CHECK(r.asked == 3);
  CHECK(r.valid == 1);
  REQUIRE(r.ranked.size() == 1);
  auto& q = r.ranked[0];
  CHECK(q.solver_id == "acme");
  CHECK(q.account == "acme.near");
  CHECK(q.output_amount == units{198} * pow10(23));
  CHECK(q.fee == 0);
  CHECK(q.quote.output_amount == "19.8");
  CHECK(q.quote.request_id == "rq-1");
  CHECK(q.arrived_at == epoch + 100 * ms);
  CHECK(q.valid_until == epoch + 60'100 * ms);
  auto acme = stats_of("acme");
  CHECK(acme.asked == 1);
  CHECK(acme.answered == 1);
  CHECK(acme.valid == 1);
  CHECK(acme.mean_response_ms == doctest::Approx(100.0));
  auto beta = stats_of("beta");
  CHECK(beta.asked == 1);
  CHECK(beta.answered == 0);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "the window closes early once every asked solver answered") {
  auto slot = start(swap("swap-1"));
  advance(10 * ms);
  quote("acme", "swap-1", "19.8");
  quote("beta", "swap-1", "20");
  CHECK_FALSE(slot->has_value());
  advance(20 * ms);
  quote("gamma", "swap-1", "19.9");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "gamma", "acme"});
  CHECK(r.valid == 3);
  // The window's timer fires later for nothing; the next auction is not
  // disturbed by it.
  auto next = start(swap("swap-2"));
  advance(980 * ms);
  CHECK_FALSE(next->has_value());
  advance(20 * ms);
  CHECK(result_of(*next).ranked.empty());
  CHECK(result_of(*next).asked == 3);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "no connected solver: no quote at once, nobody asked") {
  channel->connected = {"stranger"};
  auto slot = start(swap("swap-1"));
  auto& r = result_of(*slot);
  CHECK(r.ranked.empty());
  CHECK(r.asked == 0);
  CHECK(r.request_id.empty());
  CHECK(channel->sent.empty());
  channel->connected.clear();
  CHECK(result_of(*start(swap("swap-2"))).ranked.empty());
  CHECK(stats_of("acme").asked == 0);
  CHECK_FALSE(stats_of("acme").connected);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "swap: the highest output wins, ties to the earlier quote") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "19.8");
  advance(5 * ms);
  quote("beta", "swap-1", "20.1");
  advance(5 * ms);
  quote("gamma", "swap-1", "20.10");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "gamma", "acme"});
  CHECK(r.ranked[0].output_amount == units{201} * pow10(23));
}

TEST_CASE_FIXTURE(auction_fixture,
                  "transfer and stake: the lowest fee wins, ties earlier") {
  auto slot = start(transfer("tr-1"));
  quote("acme", "tr-1", "10", "0.02");
  advance(5 * ms);
  quote("beta", "tr-1", "10", "0.03");
  advance(5 * ms);
  quote("gamma", "tr-1", "10", "0.02");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"acme", "gamma", "beta"});
  CHECK(r.ranked[0].fee == 20'000);
  CHECK(r.ranked[0].output_amount == 10'000'000);

  auto stake = start(transfer("st-1", action_kind::stake));
  quote("gamma", "st-1", "10", "0.5");
  quote("acme", "st-1", "10", "0.1");
  quote("beta", "st-1", "10", "0.1");
  CHECK(winners(result_of(*stake)) ==
        std::vector<std::string>{"acme", "beta", "gamma"});
}

TEST_CASE_FIXTURE(auction_fixture,
                  "invalid quotes are ignored, answered with an error frame "
                  "and counted by reason") {
  auto slot = start(swap("swap-1"));
  auto other = quote_test::other_keys();
  // Signed by another key than acme's.
  deliver("acme", quote_text("acme", "swap-1", "25", "0", &other));
  CHECK(channel->last("acme", "error")["code"] == "bad_signature");
  // Names another intent.
  deliver("acme", quote_text("acme", "swap-9", "25", "0"));
  CHECK(channel->last("acme", "error")["code"] == "wrong_intent");
  // Below min_output_amount (19.5).
  deliver("acme", quote_text("acme", "swap-1", "19.4", "0"));
  CHECK(channel->last("acme", "error")["code"] == "below_minimum");
  // Not a frame at all.
  deliver("acme", "{\"type\":\"quote\"");
  CHECK(channel->last("acme", "error")["code"] == "bad_json");
  // A valid one, then the same frame again.
  auto good = quote_text("beta", "swap-1", "19.6", "0");
  deliver("beta", good);
  deliver("beta", good);
  CHECK(channel->last("beta", "error")["code"] == "replayed");
  // Sent before the window closed, arriving after.
  auto late = quote_text("gamma", "swap-1", "30", "0");
  advance(1000 * ms);
  deliver("gamma", late);
  CHECK(channel->last("gamma", "error")["code"] == "late");

  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta"});
  CHECK(r.valid == 1);
  auto acme = stats_of("acme");
  CHECK(acme.answered == 1);
  CHECK(acme.valid == 0);
  CHECK(rejected(acme, "bad_signature") == 1);
  CHECK(rejected(acme, "wrong_intent") == 1);
  CHECK(rejected(acme, "below_minimum") == 1);
  CHECK(rejected(acme, "bad_json") == 1);
  auto beta = stats_of("beta");
  CHECK(beta.valid == 1);
  CHECK(rejected(beta, "replayed") == 1);
  auto gamma = stats_of("gamma");
  CHECK(gamma.answered == 0);
  CHECK(rejected(gamma, "late") == 1);
  // A quote for a request never sent.
  auto unknown = json::parse(quote_text("acme", "swap-1", "20", "0"));
  unknown["request_id"] = "rq-77";
  deliver("acme", unknown.dump());
  CHECK(channel->last("acme", "error")["code"] == "wrong_request");
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a solver that disconnects mid-window loses its quote") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "30");
  quote("beta", "swap-1", "20");
  gone("acme");
  // A frame it sent before going, delivered after, does not count either.
  quote("acme", "swap-1", "31");
  CHECK(channel->last("acme", "error").is_null());
  CHECK_FALSE(slot->has_value());
  channel->connected = {"beta"};
  gone("gamma");
  // beta answered, acme and gamma gone: closed without waiting.
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta"});
  CHECK(r.valid == 1);
  CHECK(r.asked == 3);
  CHECK(stats_of("acme").valid == 1);
  CHECK_FALSE(stats_of("acme").connected);
  CHECK(stats_of("beta").connected);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "outcomes go to the solver as frames and into its stats") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "20");
  quote("beta", "swap-1", "19.9");
  quote("gamma", "swap-1", "19.8");
  REQUIRE(winners(result_of(*slot)).front() == "acme");
  assigned("acme", "swap-1");
  auto f = channel->last("acme", "assigned");
  CHECK(f == json{{"type", "assigned"},
                  {"intent_id", "swap-1"},
                  {"request_id", "rq-1"}});
  failed("acme", "swap-1");
  f = channel->last("acme", "settlement_failed");
  CHECK(f == json{{"type", "settlement_failed"},
                  {"intent_id", "swap-1"},
                  {"reason", "insufficient solver balance"}});
  assigned("beta", "swap-1");
  settled("beta", "swap-1");
  f = channel->last("beta", "settled");
  CHECK(f == json{{"type", "settled"},
                  {"intent_id", "swap-1"},
                  {"tx_hash", "0xtx1"},
                  {"output_amount", "20"}});
  // Not assigned to gamma: ignored, no frame.
  settled("gamma", "swap-1");
  CHECK(channel->last("gamma", "settled").is_null());

  auto acme = stats_of("acme");
  CHECK(acme.kind == "external");
  CHECK(acme.account == "acme.near");
  CHECK(acme.won == 1);
  CHECK(acme.failed == 1);
  CHECK(acme.settled == 0);
  CHECK(acme.consecutive_failures == 1);
  CHECK(acme.success_rate == 0.0);
  auto beta = stats_of("beta");
  CHECK(beta.won == 1);
  CHECK(beta.settled == 1);
  CHECK(beta.success_rate == 1.0);
  CHECK(stats_of("gamma").settled == 0);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a solver resting after failover_after failed settlements "
                  "is not asked until its cooldown ends") {
  for (auto id : {"swap-1", "swap-2"}) {
    auto slot = start(swap(id));
    quote("acme", id, "20");
    quote("beta", id, "19.9");
    quote("gamma", id, "19.8");
    REQUIRE(winners(result_of(*slot)).front() == "acme");
    assigned("acme", id);
    failed("acme", id);
  }
  auto acme = stats_of("acme");
  CHECK(acme.resting);
  CHECK(acme.resting_until == now() + 1000 * ms);
  CHECK(acme.failed == 2);
  CHECK(acme.asked == 2);

  auto slot = start(swap("swap-3"));
  CHECK(stats_of("acme").asked == 2);
  CHECK(channel->last("acme", "quote_request")["intent_id"] == "swap-2");
  CHECK(channel->last("beta", "quote_request")["intent_id"] == "swap-3");
  quote("beta", "swap-3", "19.9");
  quote("gamma", "swap-3", "19.8");
  CHECK(result_of(*slot).asked == 2);
  CHECK(winners(result_of(*slot)) == std::vector<std::string>{"beta", "gamma"});

  advance(1000 * ms);
  CHECK_FALSE(stats_of("acme").resting);
  auto again = start(swap("swap-4"));
  CHECK(channel->last("acme", "quote_request")["intent_id"] == "swap-4");
  CHECK(stats_of("acme").asked == 3);
  advance(1000 * ms);
  CHECK(result_of(*again).asked == 3);

  // Two more failures in a row: the next rest is twice as long.
  for (auto id : {"swap-5", "swap-6"}) {
    auto s = start(swap(id));
    quote("acme", id, "20");
    quote("beta", id, "19.9");
    quote("gamma", id, "19.8");
    REQUIRE(winners(result_of(*s)).front() == "acme");
    assigned("acme", id);
    failed("acme", id);
  }
  CHECK(stats_of("acme").resting_until == now() + 2000 * ms);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a quote_request is the documented JSON with a fresh id") {
  auto slot = start(swap("swap-1"));
  auto f = channel->last("acme", "quote_request");
  CHECK(f == json{{"type", "quote_request"},
                  {"request_id", "rq-1"},
                  {"intent_id", "swap-1"},
                  {"action", "swap"},
                  {"input_token", "usdc.near"},
                  {"input_amount", "100"},
                  {"output_token", "wrap.near"},
                  {"min_output_amount", "19.5"},
                  {"recipient", nullptr},
                  {"respond_within_ms", 1000}});
  CHECK(channel->last("beta", "quote_request") == f);
  CHECK(channel->last("gamma", "quote_request") == f);
  auto tr = start(transfer("tr-1"));
  f = channel->last("acme", "quote_request");
  CHECK(f["request_id"] == "rq-2");
  CHECK(f["action"] == "transfer");
  CHECK(f["input_amount"] == "10");
  CHECK(f["output_token"].is_null());
  CHECK(f["min_output_amount"].is_null());
  CHECK(f["recipient"] == "bob.near");
  CHECK(channel->sent.size() == 6);
  advance(1000 * ms);
  CHECK(slot->has_value());
  CHECK(tr->has_value());
}

TEST_CASE_FIXTURE(auction_fixture, "the answer to a stats query lists every "
                                   "configured solver") {
  auto all = stats();
  REQUIRE(all.size() == 3);
  CHECK(all[0].solver_id == "acme");
  CHECK(all[1].solver_id == "beta");
  CHECK(all[2].solver_id == "gamma");
  for (auto& r : all) {
    CHECK(r.kind == "external");
    CHECK(r.connected);
    CHECK_FALSE(r.resting);
    CHECK(r.resting_until == 0);
  }
}

TEST_CASE("past max_open windows an auction is refused as overloaded") {
  auction_fixture fx{2, 1};
  auto first = fx.start(fx.swap("swap-1"));
  auto second = fx.start(fx.swap("swap-2"));
  REQUIRE(second->has_value());
  REQUIRE_FALSE(static_cast<bool>(**second));
  CHECK((*second)->error().code == errc::overloaded);
  fx.advance(1000 * ms);
  CHECK(result_of(*first).asked == 3);
  auto third = fx.start(fx.swap("swap-3"));
  CHECK_FALSE(third->has_value());
  fx.advance(1000 * ms);
  CHECK(result_of(*third).asked == 3);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "the auction exits with a window open: its caller is "
                  "answered and no timer keeps it") {
  auto slot = start(swap("swap-1"));
  auto down = std::make_shared<bool>(false);
  caf::actor_cast<caf::actor>(auction)->attach_functor(
      [down](const caf::error&) { *down = true; });
  caf::anon_send_exit(auction, caf::exit_reason::user_shutdown);
  run();
  CHECK(*down);
  CHECK(sys->registry().running() == 0);
  REQUIRE(slot->has_value());
  REQUIRE_FALSE(static_cast<bool>(**slot));
  CHECK((*slot)->error().code == errc::overloaded);
  advance(1000 * ms);
  CHECK(sys->registry().running() == 0);
}

TEST_CASE("past max_quotes valid quotes a window refuses more") {
  auction_fixture fx{2, 16, 2};
  auto slot = fx.start(fx.swap("swap-1"));
  fx.quote("acme", "swap-1", "19.6");
  fx.quote("beta", "swap-1", "19.7");
  fx.quote("gamma", "swap-1", "25");
  CHECK(fx.channel->last("gamma", "error")["code"] == "too_many_quotes");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "acme"});
  CHECK(rejected(fx.stats_of("gamma"), "too_many_quotes") == 1);
}

// The auction's reconnect grace on the test coordinator: intents wait for
// the configured solvers after the start, go on once all of them are
// connected or when the grace ends, and the waiting queue is bounded; and
// reconnect_grace alone.

#include <doctest/doctest.h>

#include "actors/auction_fixture.hpp"
#include "actors/auction_grace.hpp"

using namespace auction_test;

namespace {

/// The auction fixture with a 3000 ms grace, at most 3 intents held, and no
/// solver connected at the start.
struct grace_fixture : auction_fixture {
  grace_fixture()
      : auction_fixture(2, 16, 64, [](auction_options& o) {
          o.reconnect_grace_ms = 3000;
          o.max_held = 3;
        }) {
    channel->connected.clear();
  }

  /// The intent ids of the quote requests sent to `solver`, in order.
  std::vector<std::string> asked_of(const std::string& solver) const {
    std::vector<std::string> out;
    for (auto& f : channel->frames_to(solver))
      if (f["type"] == "quote_request")
        out.push_back(f["intent_id"]);
    return out;
  }
};

using ids = std::vector<std::string>;

} // namespace

TEST_CASE_FIXTURE(grace_fixture,
                  "in the grace a quote request waits while no solver is "
                  "connected") {
  auto slot = start(swap("swap-1"));
  advance(2000 * ms);
  CHECK_FALSE(slot->has_value());
  CHECK(channel->sent.empty());
  CHECK(stats_of("acme").asked == 0);
}

TEST_CASE_FIXTURE(grace_fixture,
                  "the held requests open their windows once every configured "
                  "solver is connected") {
  auto first = start(transfer("tr-1"));
  advance(100 * ms);
  auto second = start(swap("swap-1"));
  advance(400 * ms);
  // One of three is not enough: the others may still come back.
  connect("acme");
  connect("beta");
  CHECK(channel->sent.empty());
  advance(100 * ms);
  connect("gamma");
  for (auto* id : {"acme", "beta", "gamma"})
    CHECK(asked_of(id) == ids{"tr-1", "swap-1"});
  CHECK(channel->frames_to("beta").back()["respond_within_ms"] == 1000);
  // The window runs from the release, not from the arrival.
  advance(10 * ms);
  quote("acme", "swap-1", "19.8");
  advance(989 * ms);
  CHECK_FALSE(second->has_value());
  advance(1 * ms);
  auto& r = result_of(*second);
  CHECK(r.asked == 3);
  CHECK(winners(r) == ids{"acme"});
  CHECK(r.ranked[0].arrived_at == epoch + 610 * ms);
  CHECK(stats_of("acme").mean_response_ms == doctest::Approx(10.0));
  CHECK(result_of(*first).ranked.empty());
  CHECK(result_of(*first).asked == 3);
}

TEST_CASE_FIXTURE(grace_fixture,
                  "when the grace ends the held requests go to the solvers "
                  "connected then") {
  auto slot = start(swap("swap-1"));
  connect("acme");
  advance(2999 * ms);
  CHECK(channel->sent.empty());
  advance(1 * ms);
  CHECK(asked_of("acme") == ids{"swap-1"});
  quote("acme", "swap-1", "19.8");
  // Every solver asked has answered: the window closes at once.
  auto& r = result_of(*slot);
  CHECK(r.asked == 1);
  CHECK(winners(r) == ids{"acme"});
  // After the grace nothing waits for beta and gamma.
  auto next = start(swap("swap-2"));
  CHECK(asked_of("acme") == ids{"swap-1", "swap-2"});
  CHECK_FALSE(next->has_value());
}

TEST_CASE_FIXTURE(grace_fixture,
                  "when the grace ends with no solver connected the held "
                  "requests get no quote, and nothing waits after") {
  auto first = start(swap("swap-1"));
  advance(1500 * ms);
  auto second = start(swap("swap-2"));
  advance(1499 * ms);
  CHECK_FALSE(first->has_value());
  CHECK_FALSE(second->has_value());
  advance(1 * ms);
  for (auto* slot : {&first, &second}) {
    auto& r = result_of(**slot);
    CHECK(r.ranked.empty());
    CHECK(r.asked == 0);
  }
  auto after = start(swap("swap-3"));
  CHECK(result_of(*after).ranked.empty());
  CHECK(channel->sent.empty());
}

TEST_CASE_FIXTURE(grace_fixture,
                  "the waiting queue is bounded: past it an intent goes on at "
                  "once") {
  connect("acme");
  std::vector<std::shared_ptr<std::optional<auction_outcome>>> held{
      start(swap("swap-1")), start(swap("swap-2")), start(swap("swap-3"))};
  // The fourth finds three waiting: it is offered to acme now.
  auto fourth = start(swap("swap-4"));
  CHECK(asked_of("acme") == ids{"swap-4"});
  quote("acme", "swap-4", "19.8");
  CHECK(winners(result_of(*fourth)) == ids{"acme"});
  for (auto& slot : held)
    CHECK_FALSE(slot->has_value());
  // Nobody connected either: the fifth gets no quote at once.
  channel->connected.clear();
  CHECK(result_of(*start(swap("swap-5"))).asked == 0);
  connect("acme");
  connect("beta");
  connect("gamma");
  CHECK(asked_of("gamma") == ids{"swap-1", "swap-2", "swap-3"});
}

TEST_CASE_FIXTURE(grace_fixture,
                  "in the grace a request waits only while a configured "
                  "solver is missing") {
  channel->connected = {"acme", "beta", "gamma"};
  auto slot = start(swap("swap-1"));
  CHECK(asked_of("gamma") == ids{"swap-1"});
  // gamma leaves within the grace: the next request waits for it again.
  channel->connected = {"acme", "beta"};
  gone("gamma");
  auto next = start(swap("swap-2"));
  CHECK(asked_of("acme") == ids{"swap-1"});
  advance(200 * ms);
  connect("gamma");
  CHECK(asked_of("acme") == ids{"swap-1", "swap-2"});
  CHECK(asked_of("gamma") == ids{"swap-1", "swap-2"});
}

TEST_CASE_FIXTURE(grace_fixture,
                  "stopping the auction answers the held requests with an "
                  "error") {
  auto slot = start(swap("swap-1"));
  caf::anon_send_exit(auction, caf::exit_reason::user_shutdown);
  run();
  REQUIRE(slot->has_value());
  REQUIRE_FALSE(static_cast<bool>(slot->value()));
  CHECK(slot->value().error().code == errc::overloaded);
}

namespace {

/// reconnect_grace alone: the solvers it finds missing, and the ids of the
/// intents it offers.
struct bare_grace {
  std::vector<std::string> missing{"gamma"};
  ids offered;
  reconnect_grace::missing_fn missing_now = [this] { return missing; };
  reconnect_grace::offer_fn offer = [this](held_auction& h) {
    offered.push_back(h.in.id);
  };
  caf::typed_response_promise<auction_outcome> rp;

  bool hold(reconnect_grace& g, const std::string& id, time_us now) {
    intent in;
    in.id = id;
    return g.hold(in, rp, now, missing_now, offer);
  }
};

} // namespace

TEST_CASE_FIXTURE(bare_grace,
                  "reconnect_grace holds while a solver is missing, at most "
                  "max_held, and offers the held oldest first") {
  reconnect_grace g{0, 3000, 2};
  CHECK(hold(g, "a", 1000 * ms));
  CHECK(hold(g, "b", 1500 * ms));
  CHECK_FALSE(hold(g, "c", 1600 * ms)); // full: goes on at once
  CHECK(g.held() == 2);
  g.solver_ready(2000 * ms, missing_now, offer);
  CHECK(offered.empty());
  missing.clear();
  g.solver_ready(2100 * ms, missing_now, offer);
  CHECK(offered == ids{"a", "b"});
  CHECK(g.held() == 0);
  // Nobody missing: nothing is held.
  CHECK_FALSE(hold(g, "d", 2200 * ms));
  CHECK(offered == ids{"a", "b"});
}

TEST_CASE_FIXTURE(bare_grace,
                  "reconnect_grace offers the held once its time is up") {
  SUBCASE("its timer ends it") {
    reconnect_grace g{0, 3000, 4};
    CHECK(hold(g, "a", 1000 * ms));
    g.end(offer);
    CHECK(offered == ids{"a"});
    CHECK_FALSE(g.running(1000 * ms));
    CHECK_FALSE(hold(g, "b", 1100 * ms));
  }
  SUBCASE("an intent arriving after it goes after the held") {
    reconnect_grace g{0, 3000, 4};
    CHECK(hold(g, "a", 1000 * ms));
    CHECK_FALSE(hold(g, "b", 3000 * ms));
    CHECK(offered == ids{"a"});
  }
  SUBCASE("no grace holds nothing") {
    reconnect_grace g;
    CHECK_FALSE(hold(g, "a", 0));
    reconnect_grace none{0, 0, 4};
    CHECK_FALSE(hold(none, "a", 0));
    CHECK(offered.empty());
  }
}

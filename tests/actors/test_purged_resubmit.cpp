// An intent whose record retention purged is still known to the chain: the
// same submission again is answered with the chain's record, never run
// again, and reads of it show its real action and dates.

#include <doctest/doctest.h>

#include "actors/cache.hpp"
#include "actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

TEST_CASE("a purged, executed intent submitted again is answered from the "
          "chain and not run again") {
  engine_fixture f{20ms, 3, 3, 1000, true};
  auto in = f.make_intent("p1");
  auto first = f.submit(in);
  REQUIRE(first);
  CHECK(first->created);
  f.advance(200ms);
  auto done = f.stored("p1");
  REQUIRE(done.status == S::completed);
  auto verified_at = done.history.at(1).at;
  auto completed_at = done.updated_at;
  // Retention removes it.
  auto purged = f.store->purge_terminal_before(f.now() + 1, 100);
  REQUIRE(purged);
  REQUIRE(*purged == 1);
  REQUIRE(missing(f.store->get("p1")));
  auto calls = f.chain_impl->calls;

  auto again = f.submit(in);
  REQUIRE(again);
  CHECK_FALSE(again->created); // 200, not 202
  const auto& rec = again->record;
  CHECK(rec.status == S::completed);
  CHECK(rec.request.action == action_kind::transfer);
  CHECK(rec.request.user_account == "alice.near");
  CHECK(rec.request.input_amount == in.input_amount);
  CHECK(rec.request.recipient == "bob.near");
  // The chain's dates: its reservation and its execution, each taken when
  // the call reached it (a latency before the intent's own).
  CHECK(rec.created_at >= done.created_at);
  CHECK(rec.created_at <= verified_at);
  CHECK(rec.updated_at > rec.created_at);
  CHECK(rec.updated_at <= completed_at);
  CHECK(rec.created_at >= engine_fixture::epoch);
  REQUIRE(rec.execution.transactions.size() == 1);
  CHECK(rec.execution.transactions[0].hash == "0xrecovered-p1");
  // Never run again: no chain call, nothing stored, no dead letter.
  f.advance(1'000ms);
  CHECK(f.chain_impl->calls == calls);
  CHECK(f.chain_impl->executions["p1"] == 1);
  CHECK(missing(f.store->get("p1")));
  CHECK(value_of(f.store->dead_letters(10)).empty());
  CHECK(f.live() == 0);
}

TEST_CASE("asking the chain first does not stop new or unexecuted ids") {
  engine_fixture f{20ms, 3, 3, 1000, true};
  auto fresh = f.submit(f.make_intent("n1"));
  REQUIRE(fresh);
  CHECK(fresh->created);
  f.advance(200ms);
  CHECK(f.stored("n1").status == S::completed);
  // Reverted on chain and purged: the chain has no execution, so it runs.
  f.chain_impl->execute_faults = {chain_fault::reverted};
  REQUIRE(f.submit(f.make_intent("n2")));
  f.advance(200ms);
  REQUIRE(f.stored("n2").status == S::failed);
  REQUIRE(f.store->purge_dead_letter("n2"));
  auto retried = f.submit(f.make_intent("n2"));
  REQUIRE(retried);
  CHECK(retried->created);
  f.advance(200ms);
  CHECK(f.stored("n2").status == S::completed);
}

TEST_CASE("the chain's record of a purged intent: real action and dates") {
  auto info = chain_intent_info{"q1",
                                action_kind::swap,
                                "carol.near",
                                "usdc.near",
                                100,
                                "wrap.near",
                                "",
                                1'800'000'000'000'000,
                                1'800'000'005'000'000};
  chain_execution landed{"0xq1", 30'000, 30'000, 20};
  auto rec =
      record_from_chain("q1", chain_intent_state::executed, info, landed);
  REQUIRE(rec);
  CHECK(rec->request.action == action_kind::swap);
  CHECK(rec->request.output_token == "wrap.near");
  CHECK(rec->status == S::completed);
  CHECK(rec->created_at == info.first_seen);
  CHECK(rec->updated_at == info.last_change);
  REQUIRE(rec->history.size() == 2);
  CHECK(rec->history[0].status == S::verified);
  CHECK(rec->history[1].status == S::completed);
  CHECK(rec->execution.output_amount == units{20});
  CHECK(rec->execution.transactions.at(0).hash == "0xq1");
  CHECK_FALSE(record_from_chain("q2", chain_intent_state::unknown, std::nullopt,
                                std::nullopt));
}

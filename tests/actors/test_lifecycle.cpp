#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

TEST_CASE("an intent walks pending, verified, executing, completed") {
  engine_fixture f;
  auto r = f.submit(f.make_intent("a1"));
  REQUIRE(r);
  CHECK(r->created);
  CHECK(r->record.status == S::pending);
  // The 202 comes only after the pending record is durable.
  CHECK(f.stored("a1").status == S::pending);
  f.advance(200ms);
  auto rec = f.stored("a1");
  CHECK(rec.status == S::completed);
  CHECK(statuses(rec) ==
        std::vector<S>{S::pending, S::verified, S::executing, S::completed});
  CHECK(rec.seq == 4);
  CHECK_FALSE(rec.execution.solver_id.empty());
  REQUIRE(rec.execution.transactions.size() == 1);
  CHECK(rec.execution.transactions[0].status == "success");
  CHECK(rec.execution.attempts == 1);
  CHECK(f.chain_impl->executions["a1"] == 1);
  CHECK(f.live() == 0);
}

TEST_CASE("solver and directory hooks feed the metrics") {
  engine_fixture f;
  auto text = f.metrics.expose();
  CHECK(text.find("solver_success_rate{solver_id=\"solver-1\"} 0\n") !=
        std::string::npos);
  f.chain_impl->execute_faults = {chain_fault::network_error};
  REQUIRE(f.submit(f.make_intent("m1")));
  CHECK(f.metrics.live_intents().value() == 1);
  f.advance(5s);
  REQUIRE(f.stored("m1").status == S::completed);
  CHECK(f.metrics.live_intents().value() == 0);
  text = f.metrics.expose();
  // One failed attempt and one success, by the two solvers or one.
  int attempts = 0;
  std::string key = "solver_execution_duration_seconds_count{";
  for (auto at = text.find(key); at != std::string::npos;
       at = text.find(key, at + 1))
    attempts += std::stoi(text.substr(text.find(' ', at) + 1));
  CHECK(attempts == 2);
}

TEST_CASE("every durable transition reaches the hook once, in order") {
  engine_fixture f;
  f.chain_impl->execute_faults = {chain_fault::reverted};
  REQUIRE(f.submit(f.make_intent("h1")));
  f.advance(200ms);
  REQUIRE(f.stored("h1").status == S::failed);
  REQUIRE(
      f.ask<record_outcome>(f.directory, retry_atom::value, std::string{"h1"}));
  f.advance(200ms);
  REQUIRE(f.stored("h1").status == S::completed);
  // verified and executing are stored in one write: one call covers both.
  std::vector<std::tuple<uint64_t, uint64_t, S>> seen;
  for (auto& p : f.published) {
    CHECK(p.id == "h1");
    seen.emplace_back(p.seq, p.previous, p.status);
  }
  using T = std::tuple<uint64_t, uint64_t, S>;
  CHECK(seen == std::vector<T>{T{1, 0, S::pending}, T{3, 1, S::executing},
                               T{4, 3, S::failed}, T{5, 4, S::pending},
                               T{7, 5, S::executing}, T{8, 7, S::completed}});
}

TEST_CASE("the same id and body answers the record, another body conflicts") {
  engine_fixture f;
  auto in = f.make_intent("same");
  REQUIRE(f.submit(in, "digest-1"));
  auto again = f.submit(in, "digest-1");
  REQUIRE(again);
  CHECK_FALSE(again->created);
  auto other = f.submit(in, "digest-2");
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::conflict);
  f.advance(200ms);
  // Once finished the answer comes from storage, still by digest.
  auto late = f.submit(in, "digest-1");
  REQUIRE(late);
  CHECK(late->record.status == S::completed);
  CHECK_FALSE(f.submit(in, "digest-2"));
}

TEST_CASE("an empty id gets a generated one") {
  engine_fixture f;
  auto r = f.submit(f.make_intent(""));
  REQUIRE(r);
  CHECK(r->record.request.id.rfind("int_", 0) == 0);
}

TEST_CASE("retryable failures back off exponentially and then succeed") {
  engine_fixture f;
  f.chain_impl->execute_faults = {chain_fault::network_error,
                                  chain_fault::nonce_too_low};
  REQUIRE(f.submit(f.make_intent("r1")));
  f.advance(100ms);
  auto rec = f.stored("r1");
  CHECK(rec.status == S::executing);
  CHECK(rec.execution.attempts == 1);
  f.advance(1000ms); // first backoff: 1 s
  CHECK(f.stored("r1").execution.attempts == 2);
  f.advance(1000ms); // second backoff is 2 s: not yet
  CHECK(f.stored("r1").status == S::executing);
  f.advance(1100ms);
  rec = f.stored("r1");
  CHECK(rec.status == S::completed);
  CHECK(rec.execution.attempts == 3);
}

TEST_CASE("retries are bounded and exhausted intents become dead letters") {
  engine_fixture f; // max_attempts 3
  f.chain_impl->execute_faults = {chain_fault::timeout, chain_fault::timeout,
                                  chain_fault::timeout, chain_fault::timeout};
  REQUIRE(f.submit(f.make_intent("x1")));
  f.advance(10'000ms);
  auto rec = f.stored("x1");
  CHECK(rec.status == S::failed);
  CHECK(rec.execution.attempts == 3);
  REQUIRE(rec.error);
  CHECK(rec.error->code == "retries_exhausted");
  CHECK(rec.dead_letter);
  CHECK(value_of(f.store->dead_letters(10)).size() == 1);
}

TEST_CASE("a revert fails at once with a reverted transaction") {
  engine_fixture f;
  f.chain_impl->execute_faults = {chain_fault::reverted};
  REQUIRE(f.submit(f.make_intent("rv")));
  f.advance(200ms);
  auto rec = f.stored("rv");
  CHECK(rec.status == S::failed);
  CHECK(rec.execution.attempts == 1);
  REQUIRE(rec.error);
  CHECK(rec.error->code == "reverted");
  REQUIRE(rec.execution.transactions.size() == 1);
  CHECK(rec.execution.transactions[0].status == "reverted");
  CHECK(rec.dead_letter);
  CHECK(rec.status_message.find("failed") != std::string::npos);
}

TEST_CASE("a dead letter retried runs again to completion") {
  engine_fixture f;
  f.chain_impl->execute_faults = {chain_fault::reverted};
  REQUIRE(f.submit(f.make_intent("dl")));
  f.advance(200ms);
  REQUIRE(f.stored("dl").status == S::failed);
  auto r =
      f.ask<record_outcome>(f.directory, retry_atom::value, std::string{"dl"});
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->status == S::pending);
  f.advance(200ms);
  auto rec = f.stored("dl");
  CHECK(rec.status == S::completed);
  CHECK_FALSE(rec.dead_letter);
  CHECK_FALSE(rec.error);
  CHECK(statuses(rec) == std::vector<S>{S::pending, S::verified, S::executing,
                                        S::failed, S::pending, S::verified,
                                        S::executing, S::completed});
  CHECK(value_of(f.store->dead_letters(10)).empty());
  // A completed intent is no dead letter.
  auto again =
      f.ask<record_outcome>(f.directory, retry_atom::value, std::string{"dl"});
  REQUIRE(again);
  CHECK((*again).error().code == errc::conflict);
}

TEST_CASE("a deadline passing on a slow chain expires the intent") {
  engine_fixture f{5'000ms};
  REQUIRE(f.submit(f.make_intent("slow", 1'000'000)));
  f.advance(900ms);
  CHECK(f.stored("slow").status == S::pending);
  f.advance(200ms);
  auto rec = f.stored("slow");
  CHECK(rec.status == S::expired);
  CHECK(f.live() == 0);
  f.advance(5'000ms);
  // The verification landing afterwards changes nothing and frees funds.
  CHECK(f.stored("slow").status == S::expired);
  CHECK(f.chain_impl->executions["slow"] == 0);
  CHECK(f.chain_impl->released.size() >= 1);
}

TEST_CASE("the owner cancels a pending intent; afterwards cancel is refused") {
  engine_fixture f{5'000ms};
  REQUIRE(f.submit(f.make_intent("c1")));
  auto r =
      f.ask<record_outcome>(f.directory, cancel_atom::value, std::string{"c1"});
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->status == S::cancelled);
  CHECK(f.stored("c1").status == S::cancelled);
  auto again =
      f.ask<record_outcome>(f.directory, cancel_atom::value, std::string{"c1"});
  REQUIRE(again);
  REQUIRE_FALSE(*again);
  CHECK(again->error().code == errc::not_cancellable);
  auto missing = f.ask<record_outcome>(f.directory, cancel_atom::value,
                                       std::string{"nope"});
  REQUIRE(missing);
  CHECK(missing->error().code == errc::not_found);
}

TEST_CASE("an executing intent cannot be cancelled") {
  engine_fixture f{1'000ms};
  REQUIRE(f.submit(f.make_intent("c2")));
  f.advance(1'100ms);
  REQUIRE(f.stored("c2").status == S::executing);
  auto r =
      f.ask<record_outcome>(f.directory, cancel_atom::value, std::string{"c2"});
  REQUIRE(r);
  REQUIRE_FALSE(*r);
  CHECK(r->error().code == errc::not_cancellable);
  f.advance(1'100ms);
  CHECK(f.stored("c2").status == S::completed);
}

TEST_CASE("past the live limit submissions are refused as overloaded") {
  engine_fixture f{5'000ms, 3, 3, 2};
  REQUIRE(f.submit(f.make_intent("l1")));
  REQUIRE(f.submit(f.make_intent("l2")));
  auto r = f.submit(f.make_intent("l3"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::overloaded);
  CHECK(missing(f.store->get("l3")));
}

TEST_CASE("a verification that keeps failing ends as a dead letter") {
  engine_fixture f; // 3 attempts
  f.chain_impl->verify_faults = {chain_fault::network_error,
                                 chain_fault::timeout,
                                 chain_fault::network_error};
  REQUIRE(f.submit(f.make_intent("vf")));
  f.advance(10'000ms);
  auto rec = f.stored("vf");
  CHECK(rec.status == S::failed);
  REQUIRE(rec.error);
  CHECK(rec.error->code == "retries_exhausted");
  CHECK(rec.error->message.find("retry it from the dead letters") !=
        std::string::npos);
  CHECK(rec.dead_letter);
}

TEST_CASE("a verification refused by the chain fails without a dead letter") {
  engine_fixture f;
  f.chain_impl->verify_faults = {chain_fault::insufficient_funds};
  REQUIRE(f.submit(f.make_intent("poor")));
  f.advance(200ms);
  auto rec = f.stored("poor");
  CHECK(rec.status == S::failed);
  REQUIRE(rec.error);
  CHECK(rec.error->code == "insufficient_funds");
  CHECK_FALSE(rec.dead_letter);
}

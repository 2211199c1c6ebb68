// The chain's storage filling up is a wait: its commit is tried again, its
// callers are told storage_unavailable and ask again, and no intent spends
// its retry budget on it.

#include <doctest/doctest.h>

#include "actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

/// A chain actor of its own on the fixture's system, with its commit hook.
struct stalling_chain {
  scripted_chain* impl = nullptr;
  chain_actor actor;
  std::vector<bool> commits_seen;

  stalling_chain(engine_fixture& f, std::function<bool(uint32_t)> ok) {
    auto adapter = std::make_unique<scripted_chain>();
    impl = adapter.get();
    impl->commit_ok = std::move(ok);
    chain_options opts{20ms};
    opts.on_commit = [this](bool ok) { commits_seen.push_back(ok); };
    actor = spawn_chain(*f.sys, std::move(adapter), opts);
  }
};

} // namespace

TEST_CASE("a chain whose block cannot be stored refuses, retries and goes on") {
  engine_fixture f;
  // The first three commits fail: at once, then after 100 and 200 ms.
  stalling_chain c{f, [](uint32_t n) { return n > 3; }};
  auto in = f.make_intent("s1");
  auto first = f.ask<verify_result>(c.actor, verify_atom::value, in);
  REQUIRE(first);
  CHECK(first->fault == chain_fault::storage_unavailable);
  CHECK(is_storage_wait(first->fault));
  CHECK(c.commits_seen == std::vector<bool>{false});
  CHECK(c.impl->commits == 1);
  // Still stalled: new calls are refused without reaching the adapter.
  auto other = f.make_intent("s2");
  auto refused = f.ask<verify_result>(c.actor, verify_atom::value, other);
  REQUIRE(refused);
  CHECK(refused->fault == chain_fault::storage_unavailable);
  auto exec = f.ask<execute_result>(c.actor, execute_atom::value, other,
                                    std::string{"solver-1"});
  REQUIRE(exec);
  CHECK(exec->fault == chain_fault::storage_unavailable);
  CHECK(c.impl->calls == 1);
  // Nothing is reported landed until its block is stored.
  c.impl->executions["s3"] = 1;
  auto landed = f.ask<std::optional<chain_execution>>(
      c.actor, status_atom::value, std::string{"s3"}, execute_atom::value);
  REQUIRE(landed);
  CHECK_FALSE(*landed);
  // A release joins the kept block.
  caf::anon_send(c.actor, release_atom::value, std::string{"s4"});
  f.run();
  CHECK(c.impl->released == std::vector<std::string>{"s4"});
  f.advance(100ms);
  CHECK(c.impl->commits == 2);
  f.advance(200ms);
  CHECK(c.impl->commits == 3);
  CHECK(c.commits_seen == std::vector<bool>{false});
  f.advance(400ms);
  CHECK(c.impl->commits == 4);
  CHECK(c.commits_seen == std::vector<bool>{false, true});
  // Stored: the chain takes calls again, and the kept block counts.
  auto again = std::make_shared<std::optional<verify_result>>();
  f.sys->spawn([=, a = c.actor](caf::event_based_actor* self) {
    self->request(a, caf::infinite, verify_atom::value, other)
        .then([=](verify_result& r) { *again = r; });
  });
  f.run();
  CHECK_FALSE(*again); // its answer waits for the latency
  f.advance(20ms);
  REQUIRE(*again);
  CHECK((*again)->fault == chain_fault::none);
  CHECK(c.impl->calls == 2);
  auto now_landed = f.ask<std::optional<chain_execution>>(
      c.actor, status_atom::value, std::string{"s3"}, execute_atom::value);
  REQUIRE(now_landed);
  CHECK(*now_landed);
  caf::anon_send_exit(c.actor, caf::exit_reason::user_shutdown);
  f.run();
}

TEST_CASE("the chain's storage full at verification spends no retry budget") {
  engine_fixture f; // max_attempts 3
  // Twelve commits fail: about 40 s of a full disk, far more than three
  // attempts with backoff would survive.
  f.chain_impl->commit_ok = [](uint32_t n) { return n > 12; };
  REQUIRE(f.submit(f.make_intent("v1")));
  f.advance(30'000ms);
  CHECK(f.stored("v1").status == S::pending);
  f.advance(30'000ms);
  auto rec = f.stored("v1");
  CHECK(rec.status == S::completed);
  CHECK_FALSE(rec.error);
  CHECK(rec.execution.attempts == 1);
  CHECK(f.chain_impl->executions["v1"] == 1);
  CHECK(value_of(f.store->dead_letters(10)).empty());
}

TEST_CASE("the chain's storage full at execution: no retries_exhausted, "
          "executed once with its transaction") {
  engine_fixture f; // max_attempts 3
  // The verification's block is stored; the execution's is not, for twelve
  // tries.
  f.chain_impl->commit_ok = [](uint32_t n) { return n == 1 || n > 13; };
  REQUIRE(f.submit(f.make_intent("e1")));
  f.advance(100ms);
  CHECK(f.stored("e1").status == S::executing);
  CHECK(f.chain_impl->executions["e1"] == 1); // in the kept block
  f.advance(60'000ms);
  auto rec = f.stored("e1");
  CHECK(rec.status == S::completed);
  CHECK_FALSE(rec.error);
  CHECK(rec.execution.attempts == 1);
  REQUIRE(rec.execution.transactions.size() == 1);
  CHECK(rec.execution.transactions[0].hash == "0xrecovered-e1");
  CHECK(f.chain_impl->executions["e1"] == 1);
  CHECK(value_of(f.store->dead_letters(10)).empty());
  // The solvers were not blamed for the chain's disk.
  auto reports = f.ask<std::vector<solver_report>>(f.pool, stats_atom::value);
  REQUIRE(reports);
  for (auto& r : *reports) {
    CHECK(r.stats.failures == 0);
    CHECK(r.healthy);
  }
}

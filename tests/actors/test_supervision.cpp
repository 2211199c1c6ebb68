#include <doctest/doctest.h>

#include <cerrno>
#include <set>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

TEST_CASE("a failed pending write answers an error and leaves no record") {
  engine_fixture f;
  f.failing_commits = {1};
  auto r = f.submit(f.make_intent("w1"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
  f.advance(100ms);
  CHECK(missing(f.store->get("w1")));
  CHECK(f.live() == 0);
  // The id is free again: the next try succeeds.
  REQUIRE(f.submit(f.make_intent("w1")));
}

TEST_CASE("an intent whose write fails restarts from its last snapshot") {
  engine_fixture f;
  // Commit 1 is pending; commit 2 (verified) fails and crashes the actor.
  f.failing_commits = {2};
  f.failure_code = errc::internal;
  REQUIRE(f.submit(f.make_intent("cr")));
  f.advance(500ms);
  auto rec = f.stored("cr");
  CHECK(rec.status == S::completed);
  CHECK(f.chain_impl->executions["cr"] == 1);
  CHECK(statuses(rec) ==
        std::vector<S>{S::pending, S::verified, S::executing, S::completed});
}

TEST_CASE("an intent crashing past the restart limit fails into dead letters") {
  engine_fixture f{20ms, 3, 2};
  // Every write after the pending one fails: three crashes in a row.
  f.failing_commits = {2, 3, 4};
  f.failure_code = errc::internal;
  REQUIRE(f.submit(f.make_intent("boom")));
  f.advance(500ms);
  auto rec = f.stored("boom");
  CHECK(rec.status == S::failed);
  CHECK(rec.dead_letter);
  REQUIRE(rec.error);
  CHECK(rec.error->code == "internal");
  CHECK(f.live() == 0);
}

TEST_CASE("recovery resumes each stored state without executing twice") {
  engine_fixture f;
  auto now = f.now();
  auto put = [&](const std::string& id, S status) {
    auto rec = make_pending_record(f.make_intent(id), "d", now);
    rec.status = status;
    rec.history.push_back(history_entry{status, now});
    REQUIRE(f.store->put({rec}));
  };
  put("p", S::pending);
  put("v", S::verified);
  put("e-done", S::executing);
  put("e-open", S::executing);
  put("fin", S::completed);
  // The chain already executed one of the executing intents before a crash.
  f.chain_impl->states["e-done"] = chain_intent_state::executed;
  f.chain_impl->executions["e-done"] = 1;
  f.chain_impl->states["e-open"] = chain_intent_state::reserved;
  f.chain_impl->states["v"] = chain_intent_state::reserved;
  auto n = f.ask<uint64_t>(f.directory, recover_atom::value);
  REQUIRE(n);
  CHECK(*n == 4);
  f.advance(500ms);
  for (auto id : {"p", "v", "e-done", "e-open"})
    CHECK(f.stored(id).status == S::completed);
  CHECK(f.chain_impl->executions["e-done"] == 1);
  // The execution that landed before the crash is recorded with its tx.
  auto done = f.stored("e-done");
  REQUIRE(done.execution.transactions.size() == 1);
  CHECK(done.execution.transactions[0].hash == "0xrecovered-e-done");
  CHECK(done.execution.transactions[0].status == "success");
  CHECK(done.execution.gas_used == 21'000);
  CHECK(f.chain_impl->executions["e-open"] == 1);
  CHECK(f.live() == 0);
}

namespace {

/// What the directory answered to recover_atom: a count or an error's text.
struct recovery {
  std::optional<uint64_t> count;
  std::optional<std::string> error;
};

recovery recover(engine_fixture& f) {
  auto out = std::make_shared<recovery>();
  f.sys->spawn([=, dir = f.directory](caf::event_based_actor* self) {
    self->request(dir, caf::infinite, recover_atom::value)
        .then([=](uint64_t n) { out->count = n; },
              [=](caf::error& err) {
                out->error = caf::to_string(err);
                if (err.context().match_elements<std::string>())
                  out->error = err.context().get_as<std::string>(0);
              });
  });
  f.run();
  return *out;
}

} // namespace

TEST_CASE("recovery that cannot read a live intent fails, naming it") {
  const std::vector<std::string> ids = {"r1", "r2", "r3"};
  std::set<std::string> named;
  int n = 1;
  for (; n < 40; ++n) {
    CAPTURE(n);
    engine_fixture f;
    for (const auto& id : ids)
      REQUIRE(
          f.store->put({make_pending_record(f.make_intent(id), "d", f.now())}));
    int reads = 0;
    f.read_fault = [&] { return ++reads == n ? EIO : 0; };
    auto r = recover(f);
    const bool landed = reads >= n;
    f.read_fault = nullptr;
    if (!landed) {
      REQUIRE(r.count);
      CHECK(*r.count == ids.size());
      break;
    }
    // Never a partial recovery reported as done.
    CHECK_FALSE(r.count);
    REQUIRE(r.error);
    CAPTURE(*r.error);
    CHECK(r.error->find("recovery cannot read") != std::string::npos);
    CHECK(r.error->find("Input/output error") != std::string::npos);
    for (const auto& id : ids)
      if (r.error->find("intent " + id + ":") != std::string::npos)
        named.insert(id);
  }
  CHECK(n > ids.size());
  CHECK(n < 40);
  // A failed lookup of each record names that record.
  CHECK(named == std::set<std::string>(ids.begin(), ids.end()));
}

TEST_CASE("recovered deadlines are re-armed from absolute times") {
  engine_fixture f{10'000ms};
  auto rec = make_pending_record(f.make_intent("old", 2'000'000), "d", f.now());
  REQUIRE(f.store->put({rec}));
  REQUIRE(f.ask<uint64_t>(f.directory, recover_atom::value));
  f.advance(1'900ms);
  CHECK(f.stored("old").status == S::pending);
  f.advance(200ms);
  CHECK(f.stored("old").status == S::expired);
}

TEST_CASE("a solver that keeps failing is skipped for another") {
  engine_fixture f{20ms, 10};
  f.chain_impl->execute_faults = {
      chain_fault::network_error, chain_fault::network_error,
      chain_fault::network_error, chain_fault::network_error};
  REQUIRE(f.submit(f.make_intent("fo")));
  f.advance(20'000ms);
  CHECK(f.stored("fo").status == S::completed);
  auto reports = f.ask<std::vector<solver_report>>(f.pool, stats_atom::value);
  REQUIRE(reports);
  REQUIRE(reports->size() == 2);
  uint64_t attempts = 0;
  for (auto& r : *reports)
    attempts += r.stats.attempts;
  CHECK(attempts == 5);
  CHECK((*reports)[0].stats.attempts > 0);
  CHECK((*reports)[1].stats.attempts > 0);
}

TEST_CASE("while storage is unavailable an intent waits and writes again") {
  engine_fixture f;
  // The map is full for a while after the pending record was stored.
  f.failing_commits = {2, 3, 4, 5, 6};
  REQUIRE(f.submit(f.make_intent("full")));
  f.advance(50ms);
  CHECK(f.stored("full").status == S::pending);
  CHECK(f.live() == 1);
  // Written again after 100, 200, 400, 800 and 1,600 ms.
  f.advance(4'000ms);
  auto rec = f.stored("full");
  CHECK(rec.status == S::completed);
  CHECK(statuses(rec) ==
        std::vector<S>{S::pending, S::verified, S::executing, S::completed});
  // Written again by the same actor: no restart, one execution.
  CHECK(f.chain_impl->executions["full"] == 1);
  CHECK(f.commits >= 7);
}

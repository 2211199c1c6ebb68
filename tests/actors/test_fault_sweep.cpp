#include <doctest/doctest.h>

#include <map>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

const std::vector<std::string> ids = {"f1", "f2", "f3"};

/// Runs `run(n)` for n = 1, 2, ... until a run reports fewer faultable
/// operations than n (the fault no longer lands, so every operation of the
/// lifecycle has failed once), or until `limit`; returns that n.
template<class Run>
int sweep(Run run, int limit = 50) {
  int n = 1;
  for (; n < limit; ++n) {
    CAPTURE(n);
    if (run(n) < n)
      break;
  }
  return n;
}

/// Submits every id at once, so that their pending records share commits,
/// and returns each answer once the system has run dry.
std::map<std::string, submit_outcome> submit_together(engine_fixture& f) {
  auto answers = std::make_shared<std::map<std::string, submit_outcome>>();
  for (const auto& id : ids) {
    auto in = f.make_intent(id);
    f.sys->spawn([=, dir = f.directory](caf::event_based_actor* self) {
      self->request(dir, caf::infinite, submit_atom::value, in,
                    std::string{"d1"})
          .then([=](submit_outcome& r) {
            answers->insert_or_assign(id, std::move(r));
          });
    });
  }
  f.run();
  return *answers;
}

/// Runs three intents with the n-th commit failing with `code`; returns the
/// commits the run made. Whatever fails, each intent ends defined: refused
/// with nothing stored, or completed once on the chain, every transition
/// published once and in order, the store holding the last one.
int run_with_failing_commit(int n, errc code) {
  engine_fixture f;
  f.failing_commits = {n};
  f.failure_code = code;
  auto answers = submit_together(f);
  f.advance(3'000ms);
  CHECK(f.live() == 0);
  for (const auto& id : ids) {
    CAPTURE(id);
    REQUIRE(answers.count(id) == 1);
    const auto& answer = answers.at(id);
    std::vector<uint64_t> seqs;
    for (const auto& w : f.published)
      if (w.id == id)
        seqs.push_back(w.seq);
    if (!answer) {
      CHECK(answer.error().code == errc::storage_unavailable);
      CHECK(missing(f.store->get(id)));
      CHECK(seqs.empty());
      CHECK(f.chain_impl->executions[id] == 0);
      continue;
    }
    auto rec = f.stored(id);
    CHECK(rec.status == S::completed);
    CHECK(f.chain_impl->executions[id] == 1);
    CHECK(statuses(rec) ==
          std::vector<S>{S::pending, S::verified, S::executing, S::completed});
    REQUIRE_FALSE(seqs.empty());
    for (size_t i = 1; i < seqs.size(); ++i)
      CHECK(seqs[i - 1] < seqs[i]);
    CHECK(seqs.back() == rec.seq);
  }
  return f.commits;
}

} // namespace

TEST_CASE("whichever commit fails, every intent ends in a defined state") {
  for (auto code : {errc::storage_unavailable, errc::internal}) {
    CAPTURE(to_string(code));
    int n = sweep([&](int i) { return run_with_failing_commit(i, code); });
    CHECK(n > 3); // pending, verified+executing and completed, at least
    CHECK(n < 50);
  }
}

namespace {

/// Runs three intents with the n-th chain call failing with `fault`;
/// returns the calls the run made. A retryable fault is retried and every
/// intent completes; any other fails the one intent it hit, with the fault
/// as its error, and the others complete. Nothing executes twice.
int run_with_failing_call(int n, chain_fault fault) {
  engine_fixture f;
  f.chain_impl->failing_calls = {static_cast<uint32_t>(n)};
  f.chain_impl->call_fault = fault;
  auto answers = submit_together(f);
  f.advance(5'000ms);
  CHECK(f.live() == 0);
  int failed = 0;
  for (const auto& id : ids) {
    CAPTURE(id);
    REQUIRE(answers.count(id) == 1);
    REQUIRE(answers.at(id));
    auto rec = f.stored(id);
    CHECK(f.chain_impl->executions[id] <= 1);
    if (rec.status == S::failed) {
      ++failed;
      REQUIRE(rec.error);
      CHECK(rec.error->code == to_string(fault));
      CHECK(f.chain_impl->executions[id] == 0);
      continue;
    }
    CHECK(rec.status == S::completed);
    CHECK(f.chain_impl->executions[id] == 1);
  }
  auto calls = static_cast<int>(f.chain_impl->calls);
  bool landed = calls >= n;
  CHECK(failed == (landed && !is_retryable(fault) ? 1 : 0));
  return calls;
}

} // namespace

TEST_CASE("whichever chain call fails, every intent ends in a defined state") {
  for (auto fault : {chain_fault::network_error, chain_fault::timeout,
                     chain_fault::reverted, chain_fault::slippage}) {
    CAPTURE(to_string(fault));
    int n = sweep([&](int i) { return run_with_failing_call(i, fault); });
    CHECK(n > 6); // a verify and an execute per intent, at least
    CHECK(n < 50);
  }
}

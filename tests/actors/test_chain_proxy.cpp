// The chain of another node: a proxy passes each call through a link and
// answers from its own actor; a call its node does not answer in time is a
// timeout, one that finds the node down (or loses it) is unreachable, a
// wait that spends no retry budget.

#include <doctest/doctest.h>

#include "actors/chain_proxy.hpp"
#include "actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

/// A link whose calls wait until the test serves, fails or drops them.
struct held_link {
  struct held {
    chain_call call;
    std::function<void(chain_outcome)> done;
  };
  std::vector<held> calls;
  std::shared_ptr<chain_link_slot> slot = std::make_shared<chain_link_slot>();

  held_link() {
    slot->bind([this](chain_call c, std::function<void(chain_outcome)> done) {
      calls.push_back({std::move(c), std::move(done)});
    });
  }

  /// Serves the n-th call through `chain`, as the chain's node does, and
  /// runs what is due: the call reaches the chain at the current time, so
  /// its answer comes the chain's latency later.
  void serve(engine_fixture& f, std::size_t n) {
    auto h = calls.at(n);
    f.sys->spawn([=, chain = f.chain](caf::event_based_actor* self) {
      ask_chain(self, chain, h.call, 60s, h.done);
    });
    f.run();
  }

  void fail(std::size_t n, errc code) {
    calls.at(n).done(problem{code, "injected", {}});
  }
};

template<class T>
struct answer {
  std::optional<T> value;
  std::optional<caf::error> error;
};

/// Asks `dest` and leaves the answer (or the error) in the result.
template<class T, class... Ts>
std::shared_ptr<answer<T>> ask_async(engine_fixture& f, const chain_actor& dest,
                                     Ts... xs) {
  auto a = std::make_shared<answer<T>>();
  f.sys->spawn([=](caf::event_based_actor* self) {
    self->request(dest, caf::infinite, xs...)
        .then([=](T& v) { a->value = std::move(v); },
              [=](caf::error& e) { a->error = e; });
  });
  f.run();
  return a;
}

chain_actor proxy_on(engine_fixture& f, std::shared_ptr<chain_link_slot> slot,
                     std::size_t max_waiting = 100) {
  chain_proxy_options opts;
  opts.link = std::move(slot);
  opts.timeout = 500ms;
  opts.node = "n1";
  opts.max_waiting = max_waiting;
  return spawn_chain_proxy(*f.sys, opts);
}

/// Stops a proxy when the test case ends, also when a REQUIRE ends it
/// early: a proxy with calls waiting holds their promises, which hold it,
/// and the actor system would wait for it forever.
struct stop_at_end {
  engine_fixture& f;
  chain_actor proxy;
  ~stop_at_end() {
    caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
    f.run();
  }
};

} // namespace

TEST_CASE("a chain proxy answers what the chain's node answers") {
  engine_fixture f; // the chain answers after 20 ms
  held_link link;
  auto proxy = proxy_on(f, link.slot);
  stop_at_end stopper{f, proxy};
  auto in = f.make_intent("p1");
  auto verified = ask_async<verify_result>(f, proxy, verify_atom::value, in);
  REQUIRE(link.calls.size() == 1);
  CHECK(link.calls[0].call.kind == chain_call_kind::verify);
  CHECK(link.calls[0].call.request.id == "p1");
  link.serve(f, 0);
  f.run();
  CHECK_FALSE(verified->value);
  f.advance(20ms);
  REQUIRE(verified->value);
  CHECK(verified->value->fault == chain_fault::none);
  auto executed = ask_async<execute_result>(f, proxy, execute_atom::value, in,
                                            std::string{"solver-1"});
  link.serve(f, 1);
  f.advance(20ms);
  REQUIRE(executed->value);
  CHECK(executed->value->fault == chain_fault::none);
  CHECK(executed->value->tx_hash == "0xtx1");
  CHECK(f.chain_impl->executions["p1"] == 1);
  CHECK(f.chain_impl->executed_by == std::vector<std::string>{"solver-1"});
  auto state = ask_async<chain_intent_state>(f, proxy, status_atom::value,
                                             std::string{"p1"});
  link.serve(f, 2);
  f.run();
  REQUIRE(state->value);
  CHECK(*state->value == chain_intent_state::executed);
  auto landed = ask_async<std::optional<chain_execution>>(
      f, proxy, status_atom::value, std::string{"p1"}, execute_atom::value);
  link.serve(f, 3);
  f.run();
  REQUIRE(landed->value);
  REQUIRE(*landed->value);
  CHECK((*landed->value)->tx_hash == "0xrecovered-p1");
  auto tx = ask_async<std::optional<chain_tx>>(
      f, proxy, status_atom::value, std::string{"0xtx1"}, tx_atom::value);
  link.serve(f, 4);
  f.run();
  REQUIRE(tx->value);
  CHECK_FALSE(*tx->value); // the scripted chain keeps no transactions
  auto seen =
      ask_async<record_outcome>(f, proxy, get_atom::value, std::string{"p1"});
  link.serve(f, 5);
  f.run();
  REQUIRE(seen->value);
  REQUIRE(*seen->value);
  CHECK((*seen->value)->request.id == "p1");
  auto never = ask_async<record_outcome>(f, proxy, get_atom::value,
                                         std::string{"nobody"});
  link.serve(f, 6);
  f.run();
  REQUIRE(never->value);
  REQUIRE_FALSE(*never->value);
  CHECK(never->value->error().code == errc::not_found);
  caf::anon_send(proxy, release_atom::value, std::string{"p2"});
  f.run();
  REQUIRE(link.calls.size() == 8);
  CHECK(link.calls[7].call.kind == chain_call_kind::release);
  link.serve(f, 7);
  f.run();
  CHECK(f.chain_impl->released == std::vector<std::string>{"p2"});
}

TEST_CASE("a chain proxy settles on the chain's node") {
  engine_fixture f;
  f.chain_impl->settle_faults = {chain_fault::reverted};
  held_link link;
  auto proxy = proxy_on(f, link.slot);
  stop_at_end stopper{f, proxy};
  auto in = f.make_intent("s1");
  settlement terms{"acme", "acme.near", 990, 3};
  auto settled =
      ask_async<execute_result>(f, proxy, settle_atom::value, in, terms);
  REQUIRE(link.calls.size() == 1);
  const auto& call = link.calls[0].call;
  CHECK(call.kind == chain_call_kind::settle);
  CHECK(call.request.id == "s1");
  CHECK(call.terms.solver_id == "acme");
  CHECK(call.terms.solver_account == "acme.near");
  CHECK(call.terms.output_amount == 990);
  CHECK(call.terms.fee == 3);
  link.serve(f, 0);
  f.advance(19ms);
  CHECK_FALSE(settled->value); // the chain's block latency
  f.advance(1ms);
  REQUIRE(settled->value);
  CHECK(settled->value->fault == chain_fault::reverted);
  REQUIRE(f.chain_impl->settled_with.size() == 1);
  CHECK(f.chain_impl->settled_with[0].solver_account == "acme.near");
  CHECK(f.chain_impl->settled_with[0].output_amount == 990);
  SUBCASE("the chain's node lost meanwhile: unreachable") {
    auto again =
        ask_async<execute_result>(f, proxy, settle_atom::value, in, terms);
    link.fail(1, errc::node_unavailable);
    f.run();
    REQUIRE(again->value);
    CHECK(again->value->fault == chain_fault::unreachable);
  }
}

TEST_CASE("a call the chain's node does not answer in time is a timeout") {
  engine_fixture f;
  held_link link;
  auto proxy = proxy_on(f, link.slot); // 500 ms
  stop_at_end stopper{f, proxy};
  auto in = f.make_intent("t1");
  auto verified = ask_async<verify_result>(f, proxy, verify_atom::value, in);
  f.advance(100ms);
  auto executed = ask_async<execute_result>(f, proxy, execute_atom::value, in,
                                            std::string{"solver-1"});
  auto state = ask_async<chain_intent_state>(f, proxy, status_atom::value,
                                             std::string{"t1"});
  f.advance(399ms);
  CHECK_FALSE(verified->value);
  f.advance(1ms);
  REQUIRE(verified->value);
  CHECK(verified->value->fault == chain_fault::timeout);
  CHECK(is_retryable(verified->value->fault));
  CHECK_FALSE(is_wait(verified->value->fault));
  CHECK_FALSE(executed->value);
  f.advance(100ms);
  REQUIRE(executed->value);
  CHECK(executed->value->fault == chain_fault::timeout);
  CHECK(state->error);
  CHECK_FALSE(state->value);
  // A late answer finds nobody waiting: nothing is answered twice.
  link.serve(f, 0);
  f.advance(20ms);
  CHECK(verified->value->fault == chain_fault::timeout);
}

TEST_CASE("the chain's node down or lost: unreachable, a wait") {
  engine_fixture f;
  SUBCASE("no link bound yet: answered at once") {
    auto slot = std::make_shared<chain_link_slot>();
    auto proxy = proxy_on(f, slot);
    stop_at_end stopper{f, proxy};
    auto verified = ask_async<verify_result>(f, proxy, verify_atom::value,
                                             f.make_intent("d1"));
    REQUIRE(verified->value);
    CHECK(verified->value->fault == chain_fault::unreachable);
    CHECK(is_wait(verified->value->fault));
    CHECK(is_retryable(verified->value->fault));
    auto state = ask_async<chain_intent_state>(f, proxy, status_atom::value,
                                               std::string{"d1"});
    CHECK(state->error);
    auto seen =
        ask_async<record_outcome>(f, proxy, get_atom::value, std::string{"d1"});
    REQUIRE(seen->value);
    REQUIRE_FALSE(*seen->value);
    CHECK(seen->value->error().code == errc::node_unavailable);
  }
  SUBCASE("the node goes down while the call waits") {
    held_link link;
    auto proxy = proxy_on(f, link.slot);
    stop_at_end stopper{f, proxy};
    auto executed =
        ask_async<execute_result>(f, proxy, execute_atom::value,
                                  f.make_intent("d2"), std::string{"solver-1"});
    link.fail(0, errc::node_unavailable);
    f.run();
    REQUIRE(executed->value);
    CHECK(executed->value->fault == chain_fault::unreachable);
  }
  SUBCASE("a bounded number of calls wait") {
    held_link link;
    auto proxy = proxy_on(f, link.slot, 2);
    stop_at_end stopper{f, proxy};
    for (auto id : {"b1", "b2"})
      ask_async<verify_result>(f, proxy, verify_atom::value, f.make_intent(id));
    auto third = ask_async<verify_result>(f, proxy, verify_atom::value,
                                          f.make_intent("b3"));
    REQUIRE(third->value);
    CHECK(third->value->fault == chain_fault::network_error);
    CHECK(link.calls.size() == 2);
  }
}

TEST_CASE("a release that does not reach the chain's node is sent again") {
  engine_fixture f;
  held_link link;
  auto proxy = proxy_on(f, link.slot);
  stop_at_end stopper{f, proxy};
  caf::anon_send(proxy, release_atom::value, std::string{"r1"});
  f.run();
  REQUIRE(link.calls.size() == 1);
  link.fail(0, errc::node_unavailable);
  f.run();
  f.advance(99ms);
  CHECK(link.calls.size() == 1);
  f.advance(1ms);
  REQUIRE(link.calls.size() == 2);
  link.fail(1, errc::node_unavailable);
  f.run(); // failed at 100 ms: sent again 200 ms later
  f.advance(199ms);
  CHECK(link.calls.size() == 2);
  f.advance(1ms);
  REQUIRE(link.calls.size() == 3);
  link.serve(f, 2);
  f.run();
  CHECK(f.chain_impl->released == std::vector<std::string>{"r1"});
  f.advance(10'000ms);
  CHECK(link.calls.size() == 3);
}

TEST_CASE("the chain's node unreachable at verification and execution "
          "spends no retry budget") {
  engine_fixture f; // max_attempts 3
  for (int i = 0; i < 10; ++i) {
    f.chain_impl->verify_faults.push_back(chain_fault::unreachable);
    f.chain_impl->execute_faults.push_back(chain_fault::unreachable);
  }
  REQUIRE(f.submit(f.make_intent("u1")));
  f.advance(60'000ms);
  auto rec = f.stored("u1");
  CHECK(rec.status == S::completed);
  CHECK_FALSE(rec.error);
  CHECK(rec.execution.attempts == 1);
  CHECK(f.chain_impl->executions["u1"] == 1);
  CHECK(f.chain_impl->verify_faults.empty());
  CHECK(f.chain_impl->execute_faults.empty());
  CHECK(value_of(f.store->dead_letters(10)).empty());
  // The chain's node being away says nothing about the solvers.
  auto reports = f.ask<std::vector<solver_report>>(f.pool, stats_atom::value);
  REQUIRE(reports);
  for (auto& r : *reports) {
    CHECK(r.stats.failures == 0);
    CHECK(r.healthy);
  }
}

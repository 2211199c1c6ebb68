// Nonce reservations at an account's home node (the endpoint), on CAF's
// test coordinator: the cluster-wide nonce lookup is a stand-in whose
// answers the test gives, and the test clock ends reservations.

#include <doctest/doctest.h>

#include <deque>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "runtime/cluster/endpoint.hpp"
#include "tests/cluster/idle_engine.hpp"

using namespace intentd;
using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  test::idle_engine engine;
  /// Cluster-wide lookups the endpoint asked for and awaits.
  std::deque<std::function<void(nonce_owner_outcome)>> lookups;
  cluster_endpoint_actor endpoint;

  fixture() {
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    endpoint_options opts;
    opts.reservation_ttl = 1000ms;
    opts.max_reservations = 4;
    opts.nonce_anywhere = [this](const std::string&, uint64_t,
                                 std::function<void(nonce_owner_outcome)> f) {
      lookups.push_back(std::move(f));
    };
    endpoint = spawn_endpoint(*sys, engine, membership_actor{}, opts);
    sched->run();
  }

  ~fixture() {
    caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
    sched->run();
    sched->clock().cancel_all();
  }

  /// Sends a reservation; its answer lands in the returned slot.
  std::shared_ptr<std::optional<write_outcome>>
  reserve(const std::string& account, uint64_t nonce, const std::string& id) {
    auto slot = std::make_shared<std::optional<write_outcome>>();
    sys->spawn([=, ep = endpoint](caf::event_based_actor* self) {
      self->request(ep, caf::infinite, reserve_atom::value, account, nonce, id)
          .then([=](write_outcome& r) { *slot = std::move(r); });
    });
    sched->run();
    return slot;
  }

  /// Answers the oldest lookup, then runs what it set off.
  void answer(nonce_owner_outcome r) {
    REQUIRE_FALSE(lookups.empty());
    auto f = std::move(lookups.front());
    lookups.pop_front();
    f(std::move(r));
    sched->run();
  }

  void advance(std::chrono::milliseconds d) {
    sched->advance_time(d);
    sched->run();
  }
};

bool granted(const std::shared_ptr<std::optional<write_outcome>>& r) {
  return r->has_value() && static_cast<bool>(**r);
}

std::optional<errc>
refused(const std::shared_ptr<std::optional<write_outcome>>& r) {
  if (!r->has_value() || **r)
    return std::nullopt;
  return (**r).error().code;
}

} // namespace

TEST_CASE("a nonce no node used is reserved for one intent and refused to "
          "any other") {
  fixture f;
  auto a = f.reserve("alice", 5, "id-1");
  CHECK_FALSE(a->has_value()); // waiting for the cluster-wide lookup
  f.answer(nonce_owner{});
  CHECK(granted(a));
  CHECK(refused(f.reserve("alice", 5, "id-2")) == errc::nonce_reused);
  CHECK(granted(f.reserve("alice", 5, "id-1"))); // its own again
  CHECK(f.lookups.empty()); // both answered from the reservation
  // Another nonce, or another account, is not held.
  auto b = f.reserve("alice", 6, "id-2");
  auto c = f.reserve("bob", 5, "id-3");
  f.answer(nonce_owner{});
  f.answer(nonce_owner{});
  CHECK(granted(b));
  CHECK(granted(c));
}

TEST_CASE("a reservation whose intent was never stored ends with its ttl") {
  fixture f;
  auto a = f.reserve("alice", 5, "id-1");
  f.answer(nonce_owner{});
  REQUIRE(granted(a));
  f.advance(1001ms);
  auto b = f.reserve("alice", 5, "id-2");
  f.answer(nonce_owner{}); // id-1 is in no node's index
  CHECK(granted(b));
}

TEST_CASE("a nonce a stored intent used is refused after the reservation "
          "ended") {
  fixture f;
  auto a = f.reserve("alice", 5, "id-1");
  f.answer(nonce_owner{});
  REQUIRE(granted(a));
  f.advance(1001ms);
  auto b = f.reserve("alice", 5, "id-2");
  f.answer(nonce_owner{std::string{"id-1"}});
  CHECK(refused(b) == errc::nonce_reused);
  // The intent that used it may still resubmit (answered 200 by its owner).
  auto again = f.reserve("alice", 5, "id-1");
  f.answer(nonce_owner{std::string{"id-1"}});
  CHECK(granted(again));
}

TEST_CASE("a lookup that fails refuses the reservation with its problem") {
  fixture f;
  auto a = f.reserve("alice", 5, "id-1");
  f.answer(problem{errc::node_unavailable, "n3 is down", {}});
  CHECK(refused(a) == errc::node_unavailable);
  // Nothing was reserved: the next try asks again.
  auto b = f.reserve("alice", 5, "id-2");
  REQUIRE(f.lookups.size() == 1);
  f.answer(nonce_owner{});
  CHECK(granted(b));
}

TEST_CASE("requests for one nonce are decided one at a time") {
  fixture f;
  auto a = f.reserve("alice", 5, "id-1");
  auto b = f.reserve("alice", 5, "id-2");
  CHECK(f.lookups.size() == 1); // the second waits for the first
  f.answer(nonce_owner{});
  CHECK(granted(a));
  CHECK(refused(b) == errc::nonce_reused);
  CHECK(f.lookups.empty());
}

TEST_CASE("reservations are bounded; expired ones make room") {
  fixture f;
  for (uint64_t n = 1; n <= 4; ++n) {
    auto r = f.reserve("alice", n, "id-" + std::to_string(n));
    f.answer(nonce_owner{});
    REQUIRE(granted(r));
  }
  CHECK(refused(f.reserve("alice", 9, "id-9")) == errc::overloaded);
  f.advance(1001ms);
  auto r = f.reserve("alice", 9, "id-9");
  f.answer(nonce_owner{});
  CHECK(granted(r));
}

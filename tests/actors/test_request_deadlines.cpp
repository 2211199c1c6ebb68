#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/request_timeout.hpp"

using namespace intentd;
using namespace std::chrono_literals;

namespace {

/// Holds each request until told to answer it.
struct holder_state {
  std::vector<std::pair<int, caf::response_promise>> held;
};

caf::behavior holder(caf::stateful_actor<holder_state>* self) {
  return {
      [=](caf::get_atom, int n) {
        self->state.held.emplace_back(n, self->make_response_promise());
      },
      [=](caf::ok_atom, int n) {
        for (auto& [m, rp] : self->state.held)
          if (m == n)
            rp.deliver(n * 10);
      },
  };
}

struct asker_state {
  request_deadlines deadlines;
};

using asker_actor = caf::stateful_actor<asker_state>;
using answers = std::shared_ptr<std::vector<std::string>>;

/// Asks `holder` for n with the given timeout and notes what came back.
caf::behavior asker(asker_actor* self, caf::actor holder, answers seen) {
  return {
      [=](caf::get_atom, int n, int timeout_ms) {
        auto h = timed_request(self, self->state.deadlines, holder,
                               std::chrono::milliseconds{timeout_ms},
                               caf::get_atom::value, n);
        h.then(
            [=, mid = h.id()](int v) {
              self->state.deadlines.drop(mid);
              seen->push_back(std::to_string(n) + ": " + std::to_string(v));
            },
            [=, mid = h.id()](caf::error& err) {
              self->state.deadlines.drop(mid);
              seen->push_back(std::to_string(n) + ": " +
                              (err == caf::sec::request_timeout
                                   ? std::string{"timeout"}
                                   : caf::to_string(err)));
            });
      },
  };
}

struct deadline_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  answers seen = std::make_shared<std::vector<std::string>>();
  caf::actor held;
  caf::actor client;

  deadline_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    held = sys->spawn(holder);
    client = sys->spawn(asker, held, seen);
    sched->run();
  }

  ~deadline_fixture() {
    caf::anon_send_exit(client, caf::exit_reason::kill);
    caf::anon_send_exit(held, caf::exit_reason::kill);
    sched->run();
  }

  void ask(int n, int timeout_ms) {
    caf::anon_send(client, caf::get_atom::value, n, timeout_ms);
    sched->run();
  }

  void answer(int n) {
    caf::anon_send(held, caf::ok_atom::value, n);
    sched->run();
  }

  void advance(std::chrono::milliseconds d) {
    sched->advance_time(d);
    sched->run();
  }

  request_deadlines& deadlines() {
    auto* p = dynamic_cast<asker_actor*>(
        caf::actor_cast<caf::abstract_actor*>(client));
    REQUIRE(p != nullptr);
    return p->state.deadlines;
  }

  size_t clock_entries() { return sched->clock().schedule().size(); }
};

} // namespace

TEST_CASE("an unanswered request times out at its deadline, not before") {
  deadline_fixture f;
  f.ask(1, 100);
  CHECK(f.deadlines().pending() == 1);
  f.advance(99ms);
  CHECK(f.seen->empty());
  f.advance(1ms);
  CHECK(*f.seen == std::vector<std::string>{"1: timeout"});
  CHECK(f.deadlines().pending() == 0);
  CHECK(f.deadlines().timers() == 0);
  CHECK(f.clock_entries() == 0);
}

TEST_CASE("requests waiting together share one timer in the clock") {
  deadline_fixture f;
  for (int n = 1; n <= 50; ++n)
    f.ask(n, 100);
  CHECK(f.deadlines().pending() == 50);
  CHECK(f.deadlines().timers() == 1);
  CHECK(f.clock_entries() == 1);
  for (int n = 1; n <= 50; ++n)
    f.answer(n);
  REQUIRE(f.seen->size() == 50);
  CHECK(f.seen->front() == "1: 10");
  CHECK(f.seen->back() == "50: 500");
  CHECK(f.deadlines().pending() == 0);
  // The timer stays until it fires, finds nothing late and is not set again.
  f.advance(100ms);
  CHECK(f.seen->size() == 50);
  CHECK(f.deadlines().timers() == 0);
  CHECK(f.clock_entries() == 0);
}

TEST_CASE("the timer is set again for the next deadline still waiting") {
  deadline_fixture f;
  f.ask(1, 100); // due at 100
  f.advance(50ms);
  f.ask(2, 100); // due at 150: the timer at 100 covers it
  CHECK(f.deadlines().timers() == 1);
  f.answer(1);
  f.advance(50ms); // the timer fires at 100: nothing late, set for 150
  CHECK(f.seen->size() == 1);
  CHECK(f.deadlines().timers() == 1);
  f.advance(49ms);
  CHECK(f.seen->size() == 1);
  f.advance(1ms);
  CHECK(*f.seen == std::vector<std::string>{"1: 10", "2: timeout"});
  CHECK(f.deadlines().timers() == 0);
}

TEST_CASE("a deadline earlier than every timer gets a timer of its own") {
  deadline_fixture f;
  f.ask(1, 1000);
  f.ask(2, 10);
  CHECK(f.deadlines().timers() == 2);
  f.advance(10ms);
  CHECK(*f.seen == std::vector<std::string>{"2: timeout"});
  CHECK(f.deadlines().timers() == 1);
  CHECK(f.deadlines().pending() == 1);
  f.advance(990ms);
  CHECK(*f.seen == std::vector<std::string>{"2: timeout", "1: timeout"});
}

TEST_CASE("an answer after the timeout is dropped") {
  deadline_fixture f;
  f.ask(1, 100);
  f.advance(100ms);
  f.answer(1);
  CHECK(*f.seen == std::vector<std::string>{"1: timeout"});
}

TEST_CASE("an actor that ends takes its timer out of the clock") {
  deadline_fixture f;
  f.ask(1, 60'000);
  CHECK(f.clock_entries() == 1);
  caf::anon_send_exit(f.client, caf::exit_reason::user_shutdown);
  f.sched->run();
  CHECK(f.clock_entries() == 0);
}

TEST_CASE("requests answered in an order unlike their deadlines leave the "
          "others to time out, each at its own deadline") {
  deadline_fixture f;
  constexpr int n = 300;
  // 10 to 106 ms, most deadlines shared by three or four requests.
  auto timeout_of = [](int i) { return 10 + (i * 37) % 97; };
  for (int i = 1; i <= n; ++i)
    f.ask(i, timeout_of(i));
  // Two in three answered, in an order that jumps about the deadlines:
  // half at once, the rest 5 ms later.
  std::vector<int> answered;
  for (int k = 0; k < n; ++k)
    if (int i = 1 + (k * 113) % n; i % 3 != 0)
      answered.push_back(i);
  REQUIRE(answered.size() == 200);
  auto answer = [&](size_t from, size_t to) {
    for (auto k = from; k < to; ++k)
      f.answer(answered[k]);
  };
  answer(0, 100);
  CHECK(f.deadlines().pending() == n - 100);
  f.advance(5ms);
  answer(100, 200);
  CHECK(f.deadlines().pending() == n - 200);
  REQUIRE(f.seen->size() == 200);
  CHECK(f.seen->at(0) ==
        std::to_string(answered[0]) + ": " + std::to_string(answered[0] * 10));

  // From then on only the unanswered ones, each in the millisecond of its
  // deadline, those of one deadline in the order asked.
  size_t seen = f.seen->size();
  for (int t = 6; t <= 110; ++t) {
    CAPTURE(t);
    f.advance(1ms);
    std::vector<std::string> expected;
    for (int i = 3; i <= n; i += 3)
      if (timeout_of(i) == t)
        expected.push_back(std::to_string(i) + ": timeout");
    std::vector<std::string> got(f.seen->begin() + seen, f.seen->end());
    CHECK(got == expected);
    seen = f.seen->size();
  }
  CHECK(seen == 300);
  CHECK(f.deadlines().pending() == 0);
  CHECK(f.deadlines().timers() == 0);
  CHECK(f.clock_entries() == 0);
}

TEST_CASE("answered requests leave no deadline behind") {
  deadline_fixture f;
  // Answered in the order asked, one at a time and in a group.
  for (int n = 1; n <= 40; ++n) {
    f.ask(n, 100);
    f.answer(n);
    CHECK(f.deadlines().entries() == 0);
  }
  for (int n = 41; n <= 60; ++n)
    f.ask(n, 100);
  CHECK(f.deadlines().entries() == 20);
  for (int n = 41; n <= 50; ++n)
    f.answer(n);
  CHECK(f.deadlines().pending() == 10);
  CHECK(f.deadlines().entries() == 10);
  // Answered out of order: passed over once what is above it is answered.
  f.answer(60);
  CHECK(f.deadlines().entries() == 10);
  for (int n = 51; n <= 59; ++n)
    f.answer(n);
  CHECK(f.deadlines().pending() == 0);
  CHECK(f.deadlines().entries() == 0);
}

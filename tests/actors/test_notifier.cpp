#include <doctest/doctest.h>

#include <map>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "actors/notifier.hpp"
#include "actors/record_reader.hpp"

using namespace intentd;
using S = intent_status;

namespace {

/// Records what a subscriber is sent; refuses everything past `capacity`.
struct fake_sink {
  std::vector<notice> got;
  size_t capacity = 1'000'000;

  notice_sink fn() {
    return [this](const notice& n) {
      if (got.size() >= capacity)
        return false;
      got.push_back(n);
      return true;
    };
  }

  /// "status@seq" for updates, the kind's name (and code) for the rest.
  std::vector<std::string> seen() const {
    std::vector<std::string> out;
    for (auto& n : got)
      switch (n.kind) {
      case notice_kind::update:
        out.push_back(n.update->intent_id + ":" + to_string(n.update->status) +
                      "@" + std::to_string(n.update->seq));
        break;
      case notice_kind::subscribed:
        out.push_back("subscribed " + n.key);
        break;
      case notice_kind::unsubscribed:
        out.push_back("unsubscribed " + n.key);
        break;
      case notice_kind::error:
        out.push_back("error " + n.code);
        break;
      }
    return out;
  }
};

using strings = std::vector<std::string>;

/// A notifier on the test coordinator, reading records from a map.
struct notifier_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::map<std::string, intent_record> records;
  std::shared_ptr<std::atomic<uint64_t>> active =
      std::make_shared<std::atomic<uint64_t>>(0);
  caf::actor reader, notifier;
  transition_hook hook;

  explicit notifier_fixture(uint32_t max_subscriptions = 100) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    reader = spawn_record_reader(
        *sys,
        [this](const std::string& id) -> record_outcome {
          auto i = records.find(id);
          if (i == records.end())
            return problem{errc::not_found, "no " + id, {}};
          return i->second;
        },
        false);
    notifier_options opts;
    opts.max_subscriptions = max_subscriptions;
    opts.active = active;
    notifier = spawn_notifier(*sys, reader, opts);
    hook = make_notifier_hook(notifier, std::make_shared<token_registry>(),
                              active);
    run();
  }

  ~notifier_fixture() {
    for (auto& a : {notifier, reader})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
    sched->clock().cancel_all();
  }

  void run() { sched->run(); }

  void attach(uint64_t id, fake_sink& sink) {
    caf::anon_send(notifier, attach_atom::value, id, sink.fn());
  }

  void sub(uint64_t id, const std::string& key,
           subscription_target t = subscription_target::intent) {
    caf::anon_send(notifier, subscribe_atom::value, id, t, key);
  }

  void unsub(uint64_t id, const std::string& key,
             subscription_target t = subscription_target::intent) {
    caf::anon_send(notifier, unsubscribe_atom::value, id, t, key);
  }

  /// Moves a record one or more statuses on, stores it and calls the hook
  /// as an intent actor does after a durable write.
  void advance(const std::string& id, std::vector<S> steps) {
    auto& rec = records[id];
    auto previous = rec.seq;
    if (rec.request.id.empty()) {
      rec.request.id = id;
      rec.request.user_account = "alice.near";
      rec.request.action = action_kind::transfer;
    }
    for (auto s : steps) {
      rec.status = s;
      rec.seq += 1;
      rec.history.push_back({s, static_cast<time_us>(rec.seq * 1000)});
    }
    hook(rec, previous);
  }

  notifier_stats stats() {
    auto out = std::make_shared<notifier_stats>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(notifier, caf::infinite, stats_atom::value)
          .then([=](notifier_stats s) { *out = s; });
    });
    run();
    return *out;
  }
};

} // namespace

TEST_CASE("the current state comes first, then every transition in order") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "a");
  f.run();
  f.advance("a", {S::verified, S::executing}); // one write, two transitions
  f.advance("a", {S::completed});
  f.run();
  CHECK(sink.seen() == strings{"subscribed a", "a:pending@1", "a:verified@2",
                               "a:executing@3", "a:completed@4"});
  // Each update carries its own sentence and the transition's time.
  CHECK(sink.got[2].update->message ==
        "Your transfer has been verified and funds are reserved.");
  CHECK(sink.got[3].update->timestamp == 3000);
  CHECK(f.stats().delivered == 5);
}

TEST_CASE("a transition racing the current state goes out once, in order") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  f.advance("a", {S::verified, S::executing});
  fake_sink sink;
  f.attach(1, sink);
  SUBCASE("the store already holds the racing write") {
    f.sub(1, "a");
    f.advance("a", {S::completed}); // before the reader answers
    f.run();
    CHECK(sink.seen() == strings{"subscribed a", "a:completed@4"});
  }
  SUBCASE("the racing write is newer than what the store answered") {
    f.sub(1, "a");
    // The notifier registers it and asks the reader, which has not run.
    while (f.active->load() == 0 && f.sched->try_run_once())
      ;
    REQUIRE(f.active->load() == 1);
    auto stored = f.records["a"];
    f.advance("a", {S::completed});
    f.records["a"] = stored; // the reader sees the state before it
    f.run();
    CHECK(sink.seen() ==
          strings{"subscribed a", "a:executing@3", "a:completed@4"});
  }
}

TEST_CASE("an unknown intent is an error and no subscription") {
  notifier_fixture f;
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "nope");
  f.run();
  CHECK(sink.seen() == strings{"error unknown_intent"});
  CHECK(sink.got[0].key == "nope");
  CHECK(f.stats().subscriptions == 0);
  CHECK(f.active->load() == 0);
}

TEST_CASE("a slow subscriber is dropped, the others go on") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  fake_sink slow, fast;
  slow.capacity = 2; // the ack and the current state
  f.attach(1, slow);
  f.attach(2, fast);
  f.sub(1, "a");
  f.sub(2, "a");
  f.run();
  f.advance("a", {S::verified, S::executing});
  f.advance("a", {S::completed});
  f.run();
  CHECK(slow.seen() == strings{"subscribed a", "a:pending@1"});
  CHECK(fast.seen() == strings{"subscribed a", "a:pending@1", "a:verified@2",
                               "a:executing@3", "a:completed@4"});
  auto st = f.stats();
  CHECK(st.dropped_slow == 1);
  CHECK(st.subscribers == 1);
  CHECK(st.subscriptions == 1);
}

TEST_CASE("user and intent subscriptions on one subscriber send a seq once") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  f.sub(1, "a");
  f.run();
  f.advance("a", {S::verified, S::executing});
  f.advance("b", {S::pending}); // another intent of the same user
  f.run();
  CHECK(sink.seen() == strings{"subscribed alice.near", "subscribed a",
                               "a:pending@1", "a:verified@2", "a:executing@3",
                               "b:pending@1"});
}

TEST_CASE("unsubscribing stops updates; the hook idles without subscribers") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "a");
  f.run();
  CHECK(f.active->load() == 1);
  f.unsub(1, "a");
  f.unsub(1, "a");
  f.run();
  CHECK(f.active->load() == 0);
  f.advance("a", {S::verified, S::executing});
  f.run();
  CHECK(sink.seen() == strings{"subscribed a", "a:pending@1", "unsubscribed a",
                               "error not_subscribed"});
}

TEST_CASE("subscriptions per subscriber are capped") {
  notifier_fixture f{2};
  for (auto id : {"a", "b", "c"})
    f.advance(id, {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "a");
  f.sub(1, "bob.near", subscription_target::user);
  f.sub(1, "c");
  f.run();
  CHECK(sink.seen() == strings{"subscribed bob.near",
                               "error too_many_"
                               "subscriptions",
                               "subscribed a", "a:pending@1"});
  // Detaching frees everything.
  caf::anon_send(f.notifier, detach_atom::value, uint64_t{1});
  f.run();
  CHECK(f.stats().subscriptions == 0);
}

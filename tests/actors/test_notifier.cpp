#include <doctest/doctest.h>

#include "tests/actors/notifier_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

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
  // The user subscription sends a's state first; the intent's does not
  // repeat it.
  CHECK(sink.seen() == strings{"subscribed alice.near", "a:pending@1",
                               "subscribed a", "a:verified@2", "a:executing@3",
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

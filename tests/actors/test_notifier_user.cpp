#include <doctest/doctest.h>

#include <algorithm>

#include "persistence/store_fixture.hpp"
#include "tests/actors/notifier_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

TEST_CASE("a user subscription sends its live intents' state, then the rest") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  f.advance("b", {S::pending});
  f.advance("b", {S::verified, S::executing});
  f.advance("done", {S::pending});
  f.advance("done", {S::cancelled}); // final: no current state
  f.advance("other", {S::pending}, "bob.near");
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  f.run();
  CHECK(sink.seen() ==
        strings{"subscribed alice.near", "a:pending@1", "b:executing@3"});
  f.advance("a", {S::verified, S::executing});
  f.advance("b", {S::completed});
  f.advance("c", {S::pending}); // new after subscribing
  f.run();
  CHECK(sink.seen() == strings{"subscribed alice.near", "a:pending@1",
                               "b:executing@3", "a:verified@2", "a:executing@3",
                               "b:completed@4", "c:pending@1"});
  CHECK(f.list_limits == std::vector<uint32_t>{100});
}

TEST_CASE("a transition racing a user's current state goes out once") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  f.advance("b", {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  // The notifier registers it and asks the reader, which has not run.
  while (f.active->load() == 0 && f.sched->try_run_once())
    ;
  REQUIRE(f.active->load() == 1);
  SUBCASE("the store already holds the racing writes") {
    f.advance("a", {S::verified, S::executing});
    f.advance("b", {S::cancelled}); // final: the listing leaves it out
    f.run();
    CHECK(sink.seen() == strings{"subscribed alice.near", "a:verified@2",
                                 "b:cancelled@2", "a:executing@3"});
  }
  SUBCASE("the racing writes are newer than what the store answered") {
    auto before = f.records;
    f.advance("a", {S::verified, S::executing});
    f.advance("c", {S::pending});
    auto after = f.records;
    f.records = before; // the reader sees the states before them
    f.run();
    f.records = after;
    CHECK(sink.seen() == strings{"subscribed alice.near", "a:pending@1",
                                 "b:pending@1", "c:pending@1", "a:verified@2",
                                 "a:executing@3"});
  }
  // Later transitions follow, none repeated.
  f.advance("a", {S::completed});
  f.run();
  auto seen = sink.seen();
  CHECK(seen.back() == "a:completed@4");
  CHECK(std::count(seen.begin(), seen.end(), "a:executing@3") == 1);
}

TEST_CASE("a user subscription sends at most max_current_per_user states") {
  notifier_fixture f{100, 2};
  for (auto id : {"a", "b", "c"})
    f.advance(id, {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  f.run();
  // The most recently created ones.
  CHECK(sink.seen() ==
        strings{"subscribed alice.near", "b:pending@1", "c:pending@1"});
  CHECK(f.list_limits == std::vector<uint32_t>{2});
  // The one left out still sends its transitions.
  f.advance("a", {S::cancelled});
  f.run();
  CHECK(sink.seen().back() == "a:cancelled@2");
}

TEST_CASE("a failed read of a user's intents is an error; transitions go on") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  f.list_fails = true;
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  f.run();
  CHECK(sink.seen() == strings{"subscribed alice.near", "error unavailable"});
  CHECK(sink.got[1].key == "alice.near");
  f.advance("a", {S::cancelled});
  f.run();
  CHECK(sink.seen().back() == "a:cancelled@2");
  CHECK(f.stats().subscriptions == 1);
}

TEST_CASE("unsubscribing a user before its state is read sends nothing more") {
  notifier_fixture f;
  f.advance("a", {S::pending});
  fake_sink sink;
  f.attach(1, sink);
  f.sub(1, "alice.near", subscription_target::user);
  f.unsub(1, "alice.near", subscription_target::user);
  f.run();
  f.advance("a", {S::cancelled});
  f.run();
  CHECK(sink.seen() ==
        strings{"subscribed alice.near", "unsubscribed alice.near"});
  CHECK(f.active->load() == 0);
}

TEST_CASE("list_live_of answers the newest live intents of a user") {
  temp_dir dir;
  auto store = std::make_shared<intent_store>(open_store(fast_options(dir)));
  REQUIRE(store->put({make_record("p1", "alice.near", S::pending, 100),
                      make_record("v1", "alice.near", S::verified, 200),
                      make_record("x1", "alice.near", S::executing, 300),
                      make_record("c1", "alice.near", S::completed, 400),
                      make_record("f1", "alice.near", S::failed, 500),
                      make_record("p2", "alice.near", S::pending, 600),
                      make_record("b1", "bob.near", S::pending, 700)}));
  auto list = list_live_of(store);
  auto ids = [](const records_outcome& r) {
    std::vector<std::string> out;
    for (auto& rec : *r)
      out.push_back(rec.request.id);
    return out;
  };
  auto all = list("alice.near", 100);
  REQUIRE(all);
  CHECK(ids(all) == strings{"p1", "v1", "x1", "p2"});
  auto newest = list("alice.near", 2);
  REQUIRE(newest);
  CHECK(ids(newest) == strings{"x1", "p2"});
  auto none = list("carol.near", 10);
  REQUIRE(none);
  CHECK(none->empty());
}

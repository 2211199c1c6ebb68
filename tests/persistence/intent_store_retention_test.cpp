#include <doctest/doctest.h>

#include <algorithm>

#include "persistence/lmdb_env.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::missing;
using intentd::test::open_store;
using intentd::test::temp_dir;
using intentd::test::value_of;

namespace {

intent_record finished(std::string id, intent_status status, time_us updated) {
  auto rec = make_record(std::move(id), "alice", status, 100);
  rec.updated_at = updated;
  rec.history.push_back({status, updated});
  rec.execution.transactions.push_back({"0x" + rec.request.id, "sim", "ok"});
  return rec;
}

} // namespace

TEST_CASE("purge removes terminal records before the cutoff, oldest first") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  recs.reserve(10);
  for (int i = 0; i < 10; ++i)
    recs.push_back(
        finished("t" + std::to_string(i), intent_status::completed, 1000 + i));
  auto live = make_record("live", "alice", intent_status::verified, 5);
  auto dead = finished("dead", intent_status::failed, 1);
  dead.dead_letter = true;
  recs.push_back(live);
  recs.push_back(dead);
  REQUIRE(store.put(recs));
  CHECK(value_of(store.oldest_terminal_update()) == time_us{1000});

  auto first = store.purge_terminal_before(1008, 3);
  REQUIRE(first);
  CHECK(*first == 3);
  CHECK(missing(store.get("t0")));
  CHECK(missing(store.get("t2")));
  CHECK(store.get("t3"));
  CHECK(value_of(store.oldest_terminal_update()) == time_us{1003});

  auto rest = store.purge_terminal_before(1008, 100);
  REQUIRE(rest);
  CHECK(*rest == 5);
  CHECK(*store.purge_terminal_before(1008, 100) == 0);
  CHECK(store.get("t8"));
  CHECK(store.get("t9"));
  CHECK(store.get("live"));
  CHECK(store.get("dead"));

  CHECK_FALSE(value_of(store.find_by_tx("0xt4")));
  CHECK(value_of(store.find_by_tx("0xt9")) == std::string("t9"));
  auto counts = value_of(store.count_by_status());
  CHECK(counts[static_cast<int>(intent_status::completed)] == 2);
  CHECK(counts[static_cast<int>(intent_status::verified)] == 1);
  list_query all;
  all.limit = 500;
  CHECK(store.list(all)->items.size() == 4);
  list_query done_q;
  done_q.status = intent_status::completed;
  CHECK(store.list(done_q)->items.size() == 2);
  CHECK(*store.purge_terminal_before(1008, 0) == 0);
}

TEST_CASE("a record that goes back to live leaves the retention index") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto rec = finished("r1", intent_status::failed, 50);
  REQUIRE(store.put({rec}));
  rec.status = intent_status::pending;
  rec.updated_at = 60;
  REQUIRE(store.put({rec}));
  CHECK_FALSE(value_of(store.oldest_terminal_update()));
  CHECK(*store.purge_terminal_before(1'000'000, 10) == 0);
  CHECK(store.get("r1"));
}

TEST_CASE("dead letters stay until purged one by one") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto dead = finished("d1", intent_status::failed, 10);
  dead.dead_letter = true;
  auto done_rec = finished("c1", intent_status::completed, 10);
  REQUIRE(store.put({dead, done_rec}));
  CHECK(*store.purge_terminal_before(1'000'000, 10) == 1);
  CHECK(store.get("d1"));

  auto not_dead = store.purge_dead_letter("missing");
  REQUIRE(not_dead);
  CHECK_FALSE(*not_dead);
  REQUIRE(store.put({finished("c2", intent_status::completed, 10)}));
  CHECK_FALSE(*store.purge_dead_letter("c2"));
  CHECK(store.get("c2"));
  CHECK_FALSE(*store.purge_dead_letter(""));

  auto purged = store.purge_dead_letter("d1");
  REQUIRE(purged);
  CHECK(*purged);
  CHECK(missing(store.get("d1")));
  CHECK(value_of(store.dead_letters(10)).empty());
  CHECK_FALSE(value_of(store.find_by_tx("0xd1")));
  CHECK(value_of(
            store.count_by_status())[static_cast<int>(intent_status::failed)] ==
        0);
}

TEST_CASE("a retried dead letter is purged like any terminal record") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto rec = finished("d1", intent_status::failed, 10);
  rec.dead_letter = true;
  REQUIRE(store.put({rec}));
  rec.dead_letter = false;
  rec.status = intent_status::completed;
  rec.updated_at = 20;
  REQUIRE(store.put({rec}));
  CHECK(value_of(store.oldest_terminal_update()) == time_us{20});
  CHECK(*store.purge_terminal_before(21, 10) == 1);
  CHECK(missing(store.get("d1")));
}

TEST_CASE("live records are listed by deadline and leave it when final") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto a = make_record("a", "alice", intent_status::pending, 1);
  auto b = make_record("b", "bob", intent_status::executing, 2);
  auto c = make_record("c", "carol", intent_status::verified, 3);
  a.request.expires_at = 300;
  b.request.expires_at = 100;
  c.request.expires_at = 200;
  REQUIRE(store.put({a, b, c}));
  using entry = std::pair<time_us, std::string>;
  CHECK(value_of(store.live_by_expiry(10)) ==
        std::vector<entry>{{100, "b"}, {200, "c"}, {300, "a"}});
  CHECK(value_of(store.live_by_expiry(1)) == std::vector<entry>{{100, "b"}});

  b.status = intent_status::completed;
  c.request.expires_at = 400;
  REQUIRE(store.put({b, c}));
  CHECK(value_of(store.live_by_expiry(10)) ==
        std::vector<entry>{{300, "a"}, {400, "c"}});
}

TEST_CASE("a store from before the retention indexes gets them on open") {
  temp_dir dir;
  auto opts = fast_options(dir);
  {
    auto store = open_store(opts);
    auto live = make_record("live", "alice", intent_status::pending, 1);
    live.request.expires_at = 77;
    REQUIRE(store.put({live, finished("old", intent_status::expired, 5)}));
  }
  {
    auto env = lmdb::env::create();
    env.set_max_dbs(16);
    env.open(opts.path, MDB_NOSYNC);
    auto t = lmdb::txn::begin(env.handle());
    for (const char* name : {"by_updated", "by_expiry"})
      lmdb::dbi::open(t.handle(), name).clear(t.handle());
    lmdb::dbi::open(t.handle(), "meta").del(t.handle(), "index_version");
    t.commit();
  }
  auto store = open_store(opts);
  using entry = std::pair<time_us, std::string>;
  CHECK(value_of(store.live_by_expiry(10)) == std::vector<entry>{{77, "live"}});
  CHECK(value_of(store.oldest_terminal_update()) == time_us{5});
}

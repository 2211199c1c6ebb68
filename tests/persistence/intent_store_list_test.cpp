#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "persistence/lmdb_env.hpp"
#include "persistence/store_keys.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::open_store;
using intentd::test::temp_dir;

namespace {

// Pages through `q` to the end, calling `between` after each page.
template<class F>
std::vector<intent_record> drain(const intent_store& store, list_query q,
                                 F between) {
  std::vector<intent_record> out;
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = store.list(q);
    REQUIRE_MESSAGE(page, intentd::test::why(page));
    CHECK(page->items.size() <= (q.limit == 0 ? 50 : q.limit));
    for (auto& rec : page->items)
      out.push_back(std::move(rec));
    if (page->next_cursor.empty())
      break;
    q.cursor = page->next_cursor;
    between();
  }
  return out;
}

} // namespace

TEST_CASE("user and status paging yields each record once, newest first, "
          "while records are added between pages") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  std::set<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    // Two records per timestamp to exercise the id tie-break.
    auto status =
        i % 3 == 0 ? intent_status::completed : intent_status::pending;
    auto user = i % 4 == 0 ? "bob" : "alice";
    auto rec =
        make_record("id" + std::to_string(i), user, status, 1000000 + i / 2);
    if (status == intent_status::pending && rec.request.user_account == "alice")
      expected.insert(rec.request.id);
    recs.push_back(rec);
  }
  REQUIRE(store.put(recs));
  int added = 0;
  list_query q;
  q.user = "alice";
  q.status = intent_status::pending;
  q.limit = 37;
  auto got = drain(store, q, [&] {
    // Records newer than the cursor stay out of this walk; older ones,
    // still ahead of it, show up.
    auto newer = make_record("new" + std::to_string(added), "alice",
                             intent_status::pending, 5000000 + added);
    auto older = make_record("old" + std::to_string(added), "alice",
                             intent_status::pending, 1 + added);
    expected.insert(older.request.id);
    REQUIRE(store.put({newer, older}));
    ++added;
  });
  CHECK(added > 10);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].status == intent_status::pending);
    CHECK(got[i].request.user_account == "alice");
    CHECK(seen.insert(got[i].request.id).second);
    if (i > 0)
      CHECK(got[i - 1].created_at >= got[i].created_at);
  }
  CHECK(seen == expected);
}

TEST_CASE("paging by user alone, by status alone and over everything") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  std::map<std::string, int> per_user;
  for (int i = 0; i < 300; ++i) {
    auto user = "u" + std::to_string(i % 3);
    auto status = static_cast<intent_status>(i % intent_status_count);
    recs.push_back(make_record("r" + std::to_string(i), user, status, i));
    ++per_user[user];
  }
  REQUIRE(store.put(recs));
  auto nothing = [] {};
  list_query by_user;
  by_user.user = "u1";
  by_user.limit = 7;
  auto got = drain(store, by_user, nothing);
  CHECK(got.size() == static_cast<std::size_t>(per_user["u1"]));
  CHECK(got.front().request.id == "r298");
  list_query by_status;
  by_status.status = intent_status::expired;
  by_status.limit = 9;
  got = drain(store, by_status, nothing);
  CHECK(got.size() == 43);
  for (const auto& rec : got)
    CHECK(rec.status == intent_status::expired);
  list_query all;
  all.limit = 11;
  got = drain(store, all, nothing);
  REQUIRE(got.size() == 300);
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i].created_at == static_cast<time_us>(299 - i));
  list_query none;
  none.user = "nobody";
  auto page = store.list(none);
  REQUIRE(page);
  CHECK(page->items.empty());
  CHECK(page->next_cursor.empty());
}

TEST_CASE("the limit is clamped to 1..1000 with 0 meaning 50") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  recs.reserve(1100);
  for (int i = 0; i < 1100; ++i)
    recs.push_back(make_record("r" + std::to_string(i), "alice",
                               intent_status::pending, i));
  REQUIRE(store.put(recs));
  list_query q;
  q.limit = 0;
  CHECK(store.list(q)->items.size() == 50);
  q.limit = 100000;
  auto page = store.list(q);
  CHECK(page->items.size() == 1000);
  CHECK_FALSE(page->next_cursor.empty());
  q.cursor = page->next_cursor;
  auto rest = store.list(q);
  CHECK(rest->items.size() == 100);
  CHECK(rest->next_cursor.empty());
  q.cursor.clear();
  q.limit = 1;
  CHECK(store.list(q)->items.size() == 1);
}

TEST_CASE("negative and equal timestamps still page in order") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  REQUIRE(store.put({make_record("a", "u", intent_status::pending, -50),
                     make_record("b", "u", intent_status::pending, 0),
                     make_record("c", "u", intent_status::pending, 0),
                     make_record("d", "u", intent_status::pending, 70)}));
  list_query q;
  q.user = "u";
  q.limit = 1;
  auto got = drain(store, q, [] {});
  REQUIRE(got.size() == 4);
  CHECK(got[0].request.id == "d");
  CHECK(got[1].request.id == "c");
  CHECK(got[2].request.id == "b");
  CHECK(got[3].request.id == "a");
}

TEST_CASE("a malformed or foreign cursor is a bad request") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  recs.reserve(5);
  for (int i = 0; i < 5; ++i)
    recs.push_back(make_record("r" + std::to_string(i), "alice",
                               intent_status::pending, i));
  REQUIRE(store.put(recs));
  list_query q;
  q.user = "alice";
  q.limit = 2;
  auto first = store.list(q);
  REQUIRE(first);
  REQUIRE_FALSE(first->next_cursor.empty());
  for (std::string bad : {"zz", "abc", "00", "not a cursor", "616c696365"}) {
    q.cursor = bad;
    auto r = store.list(q);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::bad_request);
  }
  list_query other;
  other.user = "bob";
  other.cursor = first->next_cursor;
  CHECK(store.list(other).error().code == errc::bad_request);
  other.user.clear();
  other.status = intent_status::pending;
  CHECK(store.list(other).error().code == errc::bad_request);
  q.cursor = first->next_cursor;
  CHECK(store.list(q));
}

TEST_CASE("a listing by user alone merges the statuses newest first, and "
          "its cursors survive the records moving between statuses") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  for (int i = 0; i < 40; ++i)
    recs.push_back(make_record("m" + std::to_string(100 + i), "mia",
                               static_cast<intent_status>(i % 4), 1000 + i));
  recs.push_back(make_record("other", "mia2", intent_status::pending, 5000));
  REQUIRE(store.put(recs));
  list_query q;
  q.user = "mia";
  q.limit = 6;
  auto first = store.list(q);
  REQUIRE(first);
  REQUIRE(first->items.size() == 6);
  CHECK(first->items[0].request.id == "m139");
  CHECK(first->items[5].request.id == "m134");
  // Every record moves on to completed before the next page is read.
  for (auto& rec : recs)
    rec.status = intent_status::completed;
  REQUIRE(store.put(recs));
  q.cursor = first->next_cursor;
  std::vector<std::string> rest;
  for (;;) {
    auto page = store.list(q);
    REQUIRE(page);
    for (const auto& rec : page->items)
      rest.push_back(rec.request.id);
    if (page->next_cursor.empty())
      break;
    q.cursor = page->next_cursor;
  }
  REQUIRE(rest.size() == 34);
  for (std::size_t i = 0; i < rest.size(); ++i)
    CHECK(rest[i] == "m" + std::to_string(133 - i));
}

TEST_CASE("a store with a by-user-alone index from index version 2 drops "
          "it on open and still lists by user") {
  temp_dir dir;
  auto opts = fast_options(dir);
  {
    auto store = open_store(opts);
    REQUIRE(store.put({make_record("a", "ann", intent_status::pending, 1),
                       make_record("b", "ann", intent_status::completed, 2)}));
  }
  {
    auto env = lmdb::env::create();
    env.set_max_dbs(16);
    env.open(opts.path, MDB_NOSYNC);
    auto t = lmdb::txn::begin(env.handle());
    auto old_index = lmdb::dbi::open(t.handle(), "by_user_all");
    old_index.put(t.handle(), std::string("ann\0", 4) + "stale-entry", {});
    lmdb::dbi::open(t.handle(), "meta").put(t.handle(), "index_version", "2");
    t.commit();
  }
  {
    auto store = open_store(opts);
    list_query q;
    q.user = "ann";
    auto page = store.list(q);
    REQUIRE(page);
    REQUIRE(page->items.size() == 2);
    CHECK(page->items[0].request.id == "b");
    CHECK(page->items[1].request.id == "a");
  }
  auto env = lmdb::env::create();
  env.set_max_dbs(16);
  env.open(opts.path, MDB_RDONLY);
  auto t = lmdb::txn::begin(env.handle(), MDB_RDONLY);
  CHECK(lmdb::dbi::open(t.handle(), "by_user_all").size(t.handle()) == 0);
}

namespace {

// The keys of the by_user index, read straight from the environment.
std::vector<std::string> by_user_keys(const store_options& opts) {
  auto env = lmdb::env::create();
  env.set_max_dbs(16);
  env.open(opts.path, MDB_RDONLY);
  auto t = lmdb::txn::begin(env.handle(), MDB_RDONLY);
  auto db = lmdb::dbi::open(t.handle(), "by_user");
  auto c = lmdb::cursor::open(t.handle(), db);
  std::vector<std::string> out;
  std::string_view k;
  std::string_view v;
  for (bool found = c.get(k, v, MDB_FIRST); found;
       found = c.get(k, v, MDB_NEXT))
    out.emplace_back(k);
  return out;
}

} // namespace

TEST_CASE("a user's live records share one by_user entry from submission "
          "until they end, and listings by live status still page exactly") {
  temp_dir dir;
  auto opts = fast_options(dir);
  std::vector<intent_record> recs;
  std::map<intent_status, std::vector<std::string>> expected;
  for (int i = 0; i < 60; ++i) {
    auto status = static_cast<intent_status>(i % 4);
    recs.push_back(
        make_record("k" + std::to_string(100 + i), "kim", status, 2000 + i));
    expected[status].insert(expected[status].begin(), recs.back().request.id);
  }
  {
    auto store = open_store(opts);
    REQUIRE(store.put(recs));
    for (auto status : {intent_status::pending, intent_status::verified,
                        intent_status::executing, intent_status::completed}) {
      list_query q;
      q.user = "kim";
      q.status = status;
      q.limit = 4;
      std::vector<std::string> ids;
      for (const auto& rec : drain(store, q, [] {})) {
        CHECK(rec.status == status);
        ids.push_back(rec.request.id);
      }
      CHECK(ids == expected[status]);
    }
    list_query all;
    all.user = "kim";
    all.limit = 7;
    CHECK(drain(store, all, [] {}).size() == 60);
  }
  // The raw index is read with the store closed: LMDB allows one open
  // environment per file and process.
  auto before = by_user_keys(opts);
  REQUIRE(before.size() == 60);
  for (auto& rec : recs)
    if (rec.status == intent_status::pending)
      rec.status = intent_status::verified;
    else if (rec.status == intent_status::verified)
      rec.status = intent_status::executing;
  REQUIRE(open_store(opts).put(recs));
  CHECK(by_user_keys(opts) == before);
  for (auto& rec : recs)
    rec.status = intent_status::failed;
  {
    auto store = open_store(opts);
    REQUIRE(store.put(recs));
    list_query failed;
    failed.user = "kim";
    failed.status = intent_status::failed;
    CHECK(drain(store, failed, [] {}).size() == 60);
  }
  auto after = by_user_keys(opts);
  REQUIRE(after.size() == 60);
  CHECK(after != before);
}

TEST_CASE("a store from index version 3, with a by_user range per live "
          "status, is reindexed on open") {
  temp_dir dir;
  auto opts = fast_options(dir);
  {
    auto store = open_store(opts);
    REQUIRE(store.put({make_record("p", "vic", intent_status::pending, 1),
                       make_record("v", "vic", intent_status::verified, 2),
                       make_record("c", "vic", intent_status::completed, 3)}));
  }
  const std::string old_key = std::string("vic\0", 4) +
                              static_cast<char>(intent_status::verified) +
                              keys::time_be(2) + "v";
  {
    auto env = lmdb::env::create();
    env.set_max_dbs(16);
    env.open(opts.path, MDB_NOSYNC);
    auto t = lmdb::txn::begin(env.handle());
    auto db = lmdb::dbi::open(t.handle(), "by_user");
    db.del(t.handle(), std::string("vic\0", 4) +
                           static_cast<char>(intent_status::pending) +
                           keys::time_be(2) + "v");
    db.put(t.handle(), old_key, {});
    lmdb::dbi::open(t.handle(), "meta").put(t.handle(), "index_version", "3");
    t.commit();
  }
  auto keys_before = by_user_keys(opts);
  REQUIRE(std::count(keys_before.begin(), keys_before.end(), old_key) == 1);
  {
    auto store = open_store(opts);
    list_query q;
    q.user = "vic";
    q.status = intent_status::verified;
    auto page = store.list(q);
    REQUIRE(page);
    REQUIRE(page->items.size() == 1);
    CHECK(page->items[0].request.id == "v");
    q.status.reset();
    page = store.list(q);
    REQUIRE(page);
    CHECK(page->items.size() == 3);
  }
  auto keys_now = by_user_keys(opts);
  CHECK(keys_now.size() == 3);
  CHECK(std::count(keys_now.begin(), keys_now.end(), old_key) == 0);
}

TEST_CASE("each item's cursor resumes the listing right after that item") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  for (int i = 0; i < 60; ++i) {
    // Three records per timestamp: the id breaks the tie.
    auto user = i % 2 == 0 ? "alice" : "bob";
    auto status = static_cast<intent_status>(i % intent_status_count);
    recs.push_back(make_record("r" + std::to_string(i), user, status, i / 3));
  }
  REQUIRE(store.put(recs));
  list_query by_user;
  by_user.user = "alice";
  list_query by_user_status = by_user;
  by_user_status.status = intent_status::pending;
  list_query by_status;
  by_status.status = intent_status::completed;
  list_query everything;
  for (auto q : {by_user, by_user_status, by_status, everything}) {
    q.limit = 1000;
    const auto whole = store.list(q);
    REQUIRE(whole);
    REQUIRE_FALSE(whole->items.empty());
    REQUIRE(whole->item_cursors.size() == whole->items.size());
    CHECK(whole->next_cursor.empty());
    for (std::size_t i = 0; i < whole->items.size(); ++i) {
      CAPTURE(i);
      list_query rest = q;
      rest.cursor = whole->item_cursors[i];
      const auto after = store.list(rest);
      REQUIRE(after);
      REQUIRE(after->items.size() == whole->items.size() - i - 1);
      for (std::size_t j = 0; j < after->items.size(); ++j)
        CHECK(after->items[j].request.id == whole->items[i + 1 + j].request.id);
    }
    // On a full page next_cursor is the last item's cursor.
    q.limit = 4;
    const auto page = store.list(q);
    REQUIRE(page);
    if (page->items.size() == 4 && !page->next_cursor.empty())
      CHECK(page->next_cursor == page->item_cursors.back());
    CHECK(page->item_cursors.size() == page->items.size());
  }
}

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <thread>

#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::missing;
using intentd::test::open_store;
using intentd::test::temp_dir;
using intentd::test::value_of;

namespace {

std::vector<std::string> ids_of(const std::vector<intent_record>& recs) {
  std::vector<std::string> out;
  out.reserve(recs.size());
  for (const auto& r : recs)
    out.push_back(r.request.id);
  return out;
}

} // namespace

TEST_CASE("put then get returns the record; a missing id is empty") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto rec = make_record("a1", "alice", intent_status::pending, 100);
  rec.error = intent_error{"x", "y"};
  REQUIRE(store.put({rec}));
  auto got = store.get("a1");
  REQUIRE(got);
  CHECK(got->request.user_account == "alice");
  CHECK(got->body_digest == "digest-a1");
  REQUIRE(got->error);
  CHECK(got->error->code == "x");
  CHECK(missing(store.get("missing")));
  CHECK(missing(store.get("")));
}

TEST_CASE("a record without an id is refused as a value") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto r = store.put({make_record("", "alice", intent_status::pending, 1)});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::bad_request);
}

TEST_CASE("a status change moves the record between index entries") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto rec = make_record("a1", "alice", intent_status::pending, 100);
  REQUIRE(store.put({rec}));
  list_query pending_q;
  pending_q.status = intent_status::pending;
  CHECK(store.list(pending_q)->items.size() == 1);
  rec.status = intent_status::verified;
  rec.seq = 2;
  REQUIRE(store.put({rec}));
  CHECK(store.list(pending_q)->items.empty());
  pending_q.user = "alice";
  CHECK(store.list(pending_q)->items.empty());
  list_query verified_q;
  verified_q.status = intent_status::verified;
  verified_q.user = "alice";
  auto page = store.list(verified_q);
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].seq == 2);
  list_query all_q;
  all_q.user = "alice";
  CHECK(store.list(all_q)->items.size() == 1);
  CHECK(store.list(list_query{})->items.size() == 1);
  auto counts = value_of(store.count_by_status());
  REQUIRE(counts.size() == intent_status_count);
  CHECK(counts[static_cast<int>(intent_status::pending)] == 0);
  CHECK(counts[static_cast<int>(intent_status::verified)] == 1);
}

TEST_CASE("the same id twice in one batch keeps the last and one entry") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto a = make_record("a1", "alice", intent_status::pending, 100);
  auto b = a;
  b.status = intent_status::executing;
  REQUIRE(store.put({a, b}));
  CHECK(store.get("a1")->status == intent_status::executing);
  CHECK(store.list(list_query{})->items.size() == 1);
  auto counts = value_of(store.count_by_status());
  CHECK(counts[static_cast<int>(intent_status::pending)] == 0);
  CHECK(counts[static_cast<int>(intent_status::executing)] == 1);
}

TEST_CASE("transaction hashes lead back to their intent") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto rec = make_record("a1", "alice", intent_status::executing, 100);
  rec.execution.transactions = {{"0xaa", "sim", "failed"}};
  REQUIRE(store.put({rec}));
  CHECK(value_of(store.find_by_tx("0xaa")) == std::optional<std::string>("a1"));
  rec.execution.transactions.push_back({"0xbb", "sim", "success"});
  REQUIRE(store.put({rec}));
  CHECK(value_of(store.find_by_tx("0xaa")) == std::optional<std::string>("a1"));
  CHECK(value_of(store.find_by_tx("0xbb")) == std::optional<std::string>("a1"));
  rec.execution.transactions = {{"0xcc", "sim", "success"}};
  REQUIRE(store.put({rec}));
  CHECK_FALSE(value_of(store.find_by_tx("0xaa")));
  CHECK(value_of(store.find_by_tx("0xcc")) == std::optional<std::string>("a1"));
  CHECK_FALSE(value_of(store.find_by_tx("")));
}

TEST_CASE("dead letters come oldest first and leave when cleared") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  for (int i = 0; i < 5; ++i) {
    auto rec = make_record("d" + std::to_string(i), "alice",
                           intent_status::failed, 1000 - i * 10);
    rec.dead_letter = i != 2;
    recs.push_back(rec);
  }
  REQUIRE(store.put(recs));
  CHECK(ids_of(value_of(store.dead_letters(10))) ==
        std::vector<std::string>{"d4", "d3", "d1", "d0"});
  CHECK(ids_of(value_of(store.dead_letters(2))) ==
        std::vector<std::string>{"d4", "d3"});
  CHECK(value_of(store.dead_letters(0)).empty());
  recs[3].dead_letter = false;
  recs[3].status = intent_status::pending;
  REQUIRE(store.put({recs[3]}));
  CHECK(ids_of(value_of(store.dead_letters(10))) ==
        std::vector<std::string>{"d4", "d1", "d0"});
}

TEST_CASE("live_after pages through exactly the non-terminal records") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  std::vector<intent_record> recs;
  for (int s = 0; s < intent_status_count; ++s)
    for (int i = 0; i < 3; ++i)
      recs.push_back(make_record("r" + std::to_string(s) + std::to_string(i),
                                 "u" + std::to_string(i),
                                 static_cast<intent_status>(s), 10 * i + s));
  REQUIRE(store.put(recs));
  const std::vector<std::string> order = {"r00", "r01", "r02", "r10", "r11",
                                          "r12", "r20", "r21", "r22"};
  for (std::size_t limit : {1, 2, 3, 4, 9, 10}) {
    CAPTURE(limit);
    std::vector<std::string> seen;
    std::string after;
    std::size_t pages = 0;
    for (bool more = true; more && pages < 20; ++pages) {
      auto page = value_of(store.live_after(after, limit));
      CHECK(page.records.size() <= limit);
      for (auto& id : ids_of(page.records))
        seen.push_back(id);
      more = page.more;
      // "more" is exact: no page after the last visits nothing.
      CHECK(page.records.size() == (more ? limit : (9 - 1) % limit + 1));
      after = page.next;
    }
    CHECK(seen == order);
    CHECK(pages == (9 + limit - 1) / limit);
    // After the last one, nothing is left.
    auto rest = value_of(store.live_after(after, limit));
    CHECK(rest.records.empty());
    CHECK_FALSE(rest.more);
    CHECK(rest.next == after);
  }
  // A limit of 0 visits one record, so a caller always moves on.
  CHECK(ids_of(value_of(store.live_after("", 0)).records) ==
        std::vector<std::string>{"r00"});
  auto counts = value_of(store.count_by_status());
  for (int s = 0; s < intent_status_count; ++s)
    CHECK(counts[s] == 3);
}

TEST_CASE("a page resumes after its last record when records move between "
          "pages") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  auto a = make_record("a", "u", intent_status::pending, 1);
  auto b = make_record("b", "u", intent_status::pending, 2);
  auto c = make_record("c", "u", intent_status::pending, 3);
  REQUIRE(store.put({a, b, c}));
  auto first = value_of(store.live_after("", 2));
  CHECK(ids_of(first.records) == std::vector<std::string>{"a", "b"});
  CHECK(first.more);
  // The last record of the page ends, an earlier one moves on: the next
  // page still starts after b's old place.
  b.status = intent_status::completed;
  a.status = intent_status::executing;
  REQUIRE(store.put({a, b}));
  auto second = value_of(store.live_after(first.next, 2));
  CHECK(ids_of(second.records) == std::vector<std::string>{"c", "a"});
  CHECK_FALSE(second.more);
}

TEST_CASE("solver stats survive a reopen, as do records") {
  temp_dir dir;
  auto opts = fast_options(dir);
  opts.sync = true;
  {
    auto store = open_store(opts);
    REQUIRE(
        store.put({make_record("a1", "alice", intent_status::verified, 5)}));
    REQUIRE(store.put_solver_stats({{"s1", 4, 3, 1, 900}, {"s2", 1, 1, 0, 7}}));
    REQUIRE(store.put_solver_stats({{"s1", 5, 4, 1, 1000}}));
    CHECK_FALSE(store.put_solver_stats({{"", 1, 1, 0, 1}}));
  }
  auto store = open_store(opts);
  auto got = store.get("a1");
  REQUIRE(got);
  CHECK(got->status == intent_status::verified);
  list_query q;
  q.user = "alice";
  q.status = intent_status::verified;
  CHECK(store.list(q)->items.size() == 1);
  auto stats = value_of(store.load_solver_stats());
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].solver_id == "s1");
  CHECK(stats[0].attempts == 5);
  CHECK(stats[0].total_execution_us == 1000);
  CHECK(stats[1].solver_id == "s2");
  CHECK(
      value_of(
          store.count_by_status())[static_cast<int>(intent_status::verified)] ==
      1);
}

TEST_CASE("a full map is an error value and the store stays readable") {
  temp_dir dir;
  auto opts = fast_options(dir);
  opts.map_size = 256 * 1024;
  opts.max_map_size = opts.map_size;
  auto store = open_store(opts);
  REQUIRE(
      store.put({make_record("first", "alice", intent_status::pending, 1)}));
  std::vector<intent_record> big;
  for (int i = 0; i < 400; ++i) {
    auto rec = make_record("big" + std::to_string(i), "alice",
                           intent_status::pending, 10 + i);
    rec.status_message.assign(2000, 'x');
    big.push_back(rec);
  }
  auto r = store.put(big);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
  CHECK(r.error().message.find("full") != std::string::npos);
  CHECK(store.get("first"));
  CHECK(missing(store.get("big0")));
  CHECK(store.list(list_query{})->items.size() == 1);
  CHECK(store.put({make_record("second", "alice", intent_status::pending, 2)}));
}

TEST_CASE("a storage path that cannot be a directory is an error value") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path());
  auto file = dir.path() / "plain-file";
  std::ofstream(file) << "x";
  store_options opts;
  opts.path = (file / "db").string();
  auto store = intent_store::open(opts);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == errc::storage_unavailable);
  opts.path.clear();
  CHECK_FALSE(intent_store::open(opts));
}

TEST_CASE("readers on other threads see whole records while one writes") {
  temp_dir dir;
  auto store = open_store(fast_options(dir));
  constexpr int total = 200;
  std::thread writer{[&] {
    for (int i = 0; i < total; ++i) {
      auto rec = make_record("w" + std::to_string(i), "alice",
                             intent_status::pending, i);
      CHECK(store.put({rec}));
    }
  }};
  std::vector<std::thread> readers;
  readers.reserve(3);
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        list_query q;
        q.user = "alice";
        q.limit = 20;
        auto page = store.list(q);
        CHECK(page);
        for (const auto& rec : page->items)
          CHECK(rec.request.user_account == "alice");
      }
    });
  writer.join();
  for (auto& r : readers)
    r.join();
  CHECK(value_of(store.count_by_status())[0] == total);
}

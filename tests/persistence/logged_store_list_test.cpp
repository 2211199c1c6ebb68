// The reads a logged store overlays on LMDB answer what a plain intent_store
// fed the same records answers, whatever the table holds.
#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "logged_store_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

const char* const users[] = {"ann.near", "bob.near", "cy.near"};

/// Random lifecycles: new intents and transitions of earlier ones, some
/// created in the same microsecond.
class workload {
public:
  explicit workload(uint64_t seed) : rng_(seed) {}

  std::vector<intent_record> batch() {
    std::vector<intent_record> out;
    auto n = 1 + rng_() % 8;
    for (std::size_t i = 0; i < n; ++i) {
      if (recs_.empty() || rng_() % 3 == 0) {
        int k = static_cast<int>(recs_.size());
        auto rec = make_record("int_" + std::to_string(10000 + k),
                               users[rng_() % 3], intent_status::pending,
                               t0 + static_cast<time_us>(rng_() % 400) * 10);
        rec.request.nonce = static_cast<uint64_t>(k);
        recs_.push_back(rec);
        out.push_back(rec);
        continue;
      }
      auto& rec = recs_[rng_() % recs_.size()];
      if (is_terminal(rec.status))
        continue;
      static const intent_status next[] = {
          intent_status::verified,  intent_status::executing,
          intent_status::completed, intent_status::failed,
          intent_status::expired,   intent_status::cancelled};
      auto to = next[rng_() % 6];
      rec = advanced(rec, to, rec.updated_at + 1);
      if (to == intent_status::executing)
        rec.execution.transactions.push_back(
            {"0x" + rec.request.id + std::to_string(rec.seq), "sim",
             "pending"});
      out.push_back(rec);
    }
    return out;
  }

  bool coin(int one_in) { return rng_() % one_in == 0; }

private:
  std::mt19937_64 rng_;
  std::vector<intent_record> recs_;
};

/// Every page of a listing: (id, seq, item cursor) in order.
template<class Store>
std::vector<std::string> walk(const Store& s, list_query q) {
  std::vector<std::string> out;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = value_of(s.list(q));
    REQUIRE(page.items.size() == page.item_cursors.size());
    for (std::size_t i = 0; i < page.items.size(); ++i)
      out.push_back(page.items[i].request.id + "/" +
                    std::to_string(page.items[i].seq) + "/" +
                    page.item_cursors[i]);
    if (page.next_cursor.empty())
      break;
    CHECK(page.next_cursor == page.item_cursors.back());
    q.cursor = page.next_cursor;
  }
  return out;
}

std::vector<list_query> queries() {
  std::vector<list_query> out;
  for (uint32_t limit : {1u, 4u, 50u}) {
    list_query q;
    q.limit = limit;
    out.push_back(q);
    for (int s = 0; s < intent_status_count; ++s) {
      q.status = static_cast<intent_status>(s);
      out.push_back(q);
      for (const char* u : users) {
        q.user = u;
        out.push_back(q);
        q.user.clear();
      }
    }
    q.status.reset();
    for (const char* u : users) {
      q.user = u;
      out.push_back(q);
    }
  }
  return out;
}

template<class Store>
std::vector<std::string> live(const Store& s, std::size_t limit) {
  std::vector<std::string> out;
  std::string after;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = value_of(s.live_after(after, limit));
    for (const auto& r : page.records)
      out.push_back(r.request.id + "/" + std::to_string(r.seq));
    if (!page.more)
      break;
    after = page.next;
  }
  return out;
}

void compare(const logged_store& logged, const intent_store& plain) {
  for (const auto& q : queries()) {
    CAPTURE(q.user);
    CAPTURE(q.status ? static_cast<int>(*q.status) : -1);
    CAPTURE(q.limit);
    CHECK(walk(logged, q) == walk(plain, q));
  }
  for (std::size_t limit : {1u, 3u, 1000u}) {
    CAPTURE(limit);
    CHECK(live(logged, limit) == live(plain, limit));
  }
  CHECK(value_of(logged.count_by_status()) ==
        value_of(plain.count_by_status()));
}

} // namespace

TEST_CASE("a logged store's listings, live pages and counts match a plain "
          "store fed the same records") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    temp_dir a;
    temp_dir b;
    auto o = logged_options(a);
    o.checkpoint_batch = 7;
    auto plain = open_store(fast_options(b));
    workload w(seed);
    {
      auto logged = open_logged(o);
      for (int round = 0; round < 60; ++round) {
        auto recs = w.batch();
        put_ok(logged, recs);
        REQUIRE(plain.put(recs));
        if (w.coin(8))
          REQUIRE(logged.checkpoint());
        if (round % 20 == 19) {
          CAPTURE(round);
          CAPTURE(logged.table_size());
          compare(logged, plain);
        }
      }
      CHECK(logged.table_size() > 0);
    }
    // After a replay, and after a checkpoint has emptied the table.
    auto logged = open_logged(o);
    compare(logged, plain);
    REQUIRE(logged.checkpoint());
    CHECK(logged.table_size() == 0);
    compare(logged, plain);
  }
}

TEST_CASE("a logged store's listing refuses a cursor of another listing") {
  temp_dir dir;
  auto s = open_logged(logged_options(dir));
  list_query q;
  q.user = "ann.near";
  q.cursor = "zz";
  auto page = s.list(q);
  REQUIRE_FALSE(page);
  CHECK(page.error().code == errc::bad_request);
}

TEST_CASE("a logged store's live page reads no more of LMDB than the page "
          "needs") {
  temp_dir dir;
  auto o = logged_options(dir);
  auto reads = std::make_shared<int>(0);
  o.store.read_fault = [reads] {
    ++*reads;
    return 0;
  };
  auto s = open_logged(o);
  std::vector<intent_record> recs;
  for (int i = 0; i < 30; ++i)
    recs.push_back(rec_of(i));
  put_ok(s, recs);
  REQUIRE(s.checkpoint());
  REQUIRE(s.table_size() == 0);
  // With nothing in the table, a page costs what LMDB's own page costs.
  for (std::size_t limit : {1u, 10u}) {
    CAPTURE(limit);
    *reads = 0;
    auto plain = value_of(s.store().live_after("", limit));
    auto plain_reads = *reads;
    *reads = 0;
    auto logged = value_of(s.live_after("", limit));
    CHECK(*reads == plain_reads);
    CHECK(logged.records.size() == limit);
    CHECK(logged.more);
    CHECK(logged.next == plain.next);
  }
}

TEST_CASE("a logged store's live pages read LMDB's records once when the "
          "table holds them too") {
  temp_dir dir;
  auto o = logged_options(dir);
  auto reads = std::make_shared<int>(0);
  o.store.read_fault = [reads] {
    ++*reads;
    return 0;
  };
  // Between a checkpoint's commit and the table's trim, LMDB and the table
  // hold the same records under the same keys.
  const logged_store* store = nullptr;
  std::vector<std::string> ids;
  int walk_reads = 0;
  o.on_checkpoint_committed = [&] {
    *reads = 0;
    ids = live(*store, 4);
    walk_reads = *reads;
  };
  auto s = open_logged(o);
  store = &s;
  constexpr int n = 200;
  std::vector<intent_record> recs;
  for (int i = 0; i < n; ++i)
    recs.push_back(rec_of(i));
  put_ok(s, recs);
  REQUIRE(s.checkpoint());
  CHECK(ids.size() == n);
  // A walk that read LMDB's remaining live records again on every page
  // would make about n * n / (2 * 4) reads.
  CHECK(walk_reads < 10 * n);
}

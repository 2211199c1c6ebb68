#include <doctest/doctest.h>

#include "actors/cache.hpp"
#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

constexpr time_us sec = 1'000'000;

intent_record rec_at(const std::string& id, uint64_t seq, S status) {
  intent_record r;
  r.request.id = id;
  r.seq = seq;
  r.status = status;
  return r;
}

std::shared_ptr<const intent_record> ptr(intent_record r) {
  return std::make_shared<const intent_record>(std::move(r));
}

/// A read as the engine does it: memory, then storage (filling memory).
std::optional<intent_record> read_through(status_cache& c, intent_store& store,
                                          const std::string& id, time_us now) {
  if (auto hit = c.find(id, now))
    return *hit;
  auto ticket = c.ticket(id);
  auto rec = store.get(id);
  c.count(cache_level::storage, static_cast<bool>(rec));
  if (!rec) {
    REQUIRE(missing(rec));
    return std::nullopt;
  }
  c.fill(id, ptr(*rec), ticket, now);
  return std::move(*rec);
}

uint64_t count_of(const status_cache& c, const char* level,
                  const char* result) {
  for (auto& row : c.counts())
    if (std::string{row.level} == level && std::string{row.result} == result)
      return row.value;
  return 0;
}

} // namespace

TEST_CASE("cached records expire after the TTL; capacity bounds the cache") {
  status_cache c{cache_settings{true, 30 * sec, 32, true, {}}};
  c.fill("a", ptr(rec_at("a", 1, S::pending)), c.ticket("a"), 0);
  REQUIRE(c.find("a", 29 * sec));
  CHECK(c.find("a", 30 * sec) == nullptr);
  CHECK(count_of(c, "memory", "hit") == 1);
  CHECK(count_of(c, "memory", "miss") == 1);
  for (int i = 0; i < 1000; ++i) {
    auto id = "id-" + std::to_string(i);
    c.fill(id, ptr(rec_at(id, 1, S::pending)), c.ticket(id), 0);
  }
  CHECK(c.size() <= 32);
  CHECK(c.sweep(31 * sec) > 0);
  CHECK(c.size() == 0);
}

TEST_CASE("a transition replaces a cached record; an older one never wins") {
  status_cache c{cache_settings{}};
  c.fill("a", ptr(rec_at("a", 1, S::pending)), c.ticket("a"), 0);
  c.update(rec_at("a", 3, S::executing), sec);
  REQUIRE(c.find("a", sec));
  CHECK(c.find("a", sec)->seq == 3);
  // A reader that read storage before the transition landed does not fill.
  auto ticket = c.ticket("b");
  c.update(rec_at("b", 2, S::verified), sec); // "b" not cached: nothing kept
  c.fill("b", ptr(rec_at("b", 1, S::pending)), ticket, sec);
  CHECK(c.find("b", sec) == nullptr);
  // Nor does an older record replace a newer one.
  c.fill("a", ptr(rec_at("a", 2, S::verified)), c.ticket("a"), sec);
  CHECK(c.find("a", sec)->seq == 3);
  c.erase("a");
  CHECK(c.find("a", sec) == nullptr);
}

TEST_CASE("a kept rendering goes with the record it rendered") {
  status_cache c{cache_settings{}};
  auto first = ptr(rec_at("a", 1, S::pending));
  c.fill("a", first, c.ticket("a"), 0);
  CHECK(c.find_with_body("a", sec).body == nullptr);
  c.keep_body("a", first, std::make_shared<const std::string>("seq 1"));
  auto hit = c.find_with_body("a", sec);
  REQUIRE(hit.body);
  CHECK(*hit.body == "seq 1");
  CHECK(hit.rec == first);
  // A transition drops it; a rendering of the old record is not kept.
  c.update(rec_at("a", 2, S::verified), sec);
  c.keep_body("a", first, std::make_shared<const std::string>("seq 1"));
  hit = c.find_with_body("a", sec);
  REQUIRE(hit.rec);
  CHECK(hit.rec->seq == 2);
  CHECK(hit.body == nullptr);
  // Nor is one for an id that is not cached.
  c.keep_body("b", first, std::make_shared<const std::string>("b"));
  CHECK(c.find_with_body("b", sec).rec == nullptr);
}

TEST_CASE("a look that leaves its miss to the next level counts hits only") {
  status_cache c{cache_settings{}};
  CHECK(c.find_with_body("a", sec, false).rec == nullptr);
  CHECK(count_of(c, "memory", "miss") == 0);
  CHECK(c.find_with_body("a", sec).rec == nullptr);
  CHECK(count_of(c, "memory", "miss") == 1);
  c.fill("a", ptr(rec_at("a", 1, S::pending)), c.ticket("a"), 0);
  CHECK(c.find_with_body("a", sec, false).rec != nullptr);
  CHECK(count_of(c, "memory", "hit") == 1);
}

TEST_CASE("a cluster node's cache keeps its records with the node's name") {
  cache_settings opts;
  opts.node = "n2";
  status_cache c{opts};
  auto first = c.own(rec_at("a", 1, S::pending));
  CHECK(first->node == "n2");
  c.fill("a", first, c.ticket("a"), 0);
  c.update(rec_at("a", 2, S::verified), sec);
  auto hit = c.find("a", sec);
  REQUIRE(hit);
  CHECK(hit->seq == 2);
  CHECK(hit->node == "n2");
  // A single node's records name none.
  status_cache single{cache_settings{}};
  CHECK(single.own(rec_at("b", 1, S::pending))->node.empty());
  single.fill("b", single.own(rec_at("b", 1, S::pending)), single.ticket("b"),
              0);
  single.update(rec_at("b", 2, S::verified), sec);
  CHECK(single.find("b", sec)->node.empty());
}

TEST_CASE("a read right after each transition returns that transition") {
  engine_fixture f;
  status_cache c{cache_settings{}};
  int checked = 0;
  f.after_transition = [&](const intent_record& stored) {
    c.update(stored, f.now());
    auto rec = read_through(c, *f.store, stored.request.id, f.now());
    REQUIRE(rec);
    CHECK(rec->seq == stored.seq);
    CHECK(rec->status == stored.status);
    ++checked;
  };
  REQUIRE(f.submit(f.make_intent("c1")));
  f.advance(200ms);
  REQUIRE(f.stored("c1").status == S::completed);
  CHECK(checked == 3); // pending, verified+executing, completed
  // After the first read every later one was answered from memory.
  CHECK(count_of(c, "storage", "hit") == 1);
  CHECK(count_of(c, "memory", "hit") == 2);
}

TEST_CASE("the cache actor answers from the chain for ids it does not hold") {
  engine_fixture f;
  REQUIRE(f.submit(f.make_intent("x1")));
  f.advance(200ms);
  auto cache = std::make_shared<status_cache>(cache_settings{});
  auto actor =
      spawn_cache(*f.sys, cache, f.chain, 10s, 1s, [&f] { return f.now(); });
  auto known = f.ask<record_outcome>(actor, get_atom::value, std::string{"x1"});
  REQUIRE(known);
  REQUIRE(*known);
  CHECK((*known)->status == S::completed);
  CHECK((*known)->request.id == "x1");
  // What it was and when, as the chain saw it: not a swap of 1970.
  CHECK((*known)->request.action == action_kind::transfer);
  CHECK((*known)->request.recipient == "bob.near");
  CHECK((*known)->created_at >= engine_fixture::epoch);
  CHECK((*known)->updated_at >= (*known)->created_at);
  CHECK((*known)->history.size() == 2);
  auto unknown =
      f.ask<record_outcome>(actor, get_atom::value, std::string{"never"});
  REQUIRE(unknown);
  REQUIRE_FALSE(*unknown);
  CHECK(unknown->error().code == errc::not_found);
  CHECK(count_of(*cache, "chain", "hit") == 1);
  CHECK(count_of(*cache, "chain", "miss") == 1);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  f.run();
}

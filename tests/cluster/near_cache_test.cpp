// The near cache: which owners' answers it may keep (stable_for: ended,
// stored records that are not dead letters, until retention may purge
// them), how long it keeps them, and its bound.

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "runtime/cluster/near_cache.hpp"

using namespace intentd;
using namespace std::chrono_literals;

namespace {

constexpr time_us second = 1'000'000;
constexpr time_us t0 = 1'800'000'000 * second;

intent_record record_with(intent_status status, time_us updated_at) {
  intent_record rec;
  rec.request.id = "i-1";
  rec.request.user_account = "alice.near";
  rec.status = status;
  rec.updated_at = updated_at;
  rec.seq = 4;
  return rec;
}

near_cache::entry entry_of(const std::string& json) {
  return near_cache::entry{std::make_shared<const std::string>(json),
                           "alice.near"};
}

} // namespace

TEST_CASE("live intents are not stable") {
  for (auto status : {intent_status::pending, intent_status::verified,
                      intent_status::executing}) {
    CAPTURE(to_string(status));
    CHECK(stable_for(record_with(status, t0), 0, t0) == 0us);
    CHECK(stable_for(record_with(status, t0), 3600, t0) == 0us);
  }
}

TEST_CASE("dead letters are not stable: a retry or a purge changes them") {
  auto rec = record_with(intent_status::failed, t0);
  rec.dead_letter = true;
  CHECK(stable_for(rec, 0, t0) == 0us);
  CHECK(stable_for(rec, 3600, t0) == 0us);
}

TEST_CASE("a record read from the chain (seq 0) is not stable") {
  auto rec = record_with(intent_status::completed, t0);
  rec.seq = 0;
  CHECK(stable_for(rec, 0, t0) == 0us);
}

TEST_CASE("ended records are stable until retention may purge them") {
  for (auto status : {intent_status::completed, intent_status::failed,
                      intent_status::expired, intent_status::cancelled}) {
    CAPTURE(to_string(status));
    auto rec = record_with(status, t0);
    CHECK(stable_for(rec, 0, t0 + 10 * second) ==
          std::chrono::microseconds::max());
    CHECK(stable_for(rec, 60, t0 + 10 * second) == 50s);
    CHECK(stable_for(rec, 60, t0 + 60 * second) == 0us);
    CHECK(stable_for(rec, 60, t0 + 61 * second) == 0us);
  }
}

TEST_CASE("an entry is served until its owner's bound or the max age") {
  near_cache nc{10, 60'000ms};
  const auto start = near_cache::clock::time_point{} + 1000h;
  nc.admit("i-1", entry_of("{\"id\":\"i-1\"}"), 5s, start);
  auto hit = nc.find("i-1", start + 4999ms);
  REQUIRE(hit);
  CHECK(*hit->json == "{\"id\":\"i-1\"}");
  CHECK(hit->user_account == "alice.near");
  // The owner said 5 s from when the read was sent: never past it.
  CHECK_FALSE(nc.find("i-1", start + 5s).has_value());
  CHECK(nc.size() == 0);
  // Stable without end is kept max_age at most.
  nc.admit("i-2", entry_of("{}"), std::chrono::microseconds::max(), start);
  CHECK(nc.find("i-2", start + 59s).has_value());
  CHECK_FALSE(nc.find("i-2", start + 60s).has_value());
  CHECK(nc.hits() == 2);
  CHECK(nc.misses() == 2);
}

TEST_CASE("an answer that is not stable is not kept, and replaces none") {
  near_cache nc{10, 60'000ms};
  const auto start = near_cache::clock::time_point{} + 1000h;
  nc.admit("i-1", entry_of("live"), 0us, start);
  CHECK(nc.size() == 0);
  CHECK_FALSE(nc.find("i-1", start).has_value());
  nc.admit("i-1", entry_of("old"), 10s, start);
  nc.admit("i-1", entry_of("newer"), 0us, start + 1s);
  CHECK(nc.size() == 0);
  CHECK_FALSE(nc.find("i-1", start + 2s).has_value());
}

TEST_CASE("the least recently read entry makes room") {
  near_cache nc{3, 60'000ms};
  const auto start = near_cache::clock::time_point{} + 1000h;
  for (auto id : {"a", "b", "c"})
    nc.admit(id, entry_of(id), 30s, start);
  CHECK(nc.size() == 3);
  CHECK(nc.find("a", start).has_value()); // b is now least recently read
  nc.admit("d", entry_of("d"), 30s, start);
  CHECK(nc.size() == 3);
  CHECK_FALSE(nc.find("b", start).has_value());
  for (auto id : {"a", "c", "d"})
    CHECK_MESSAGE(nc.find(id, start).has_value(), id);
  // Admitting a kept id again replaces it without growing.
  nc.admit("c", entry_of("c2"), 30s, start);
  CHECK(nc.size() == 3);
  CHECK(*nc.find("c", start)->json == "c2");
}

TEST_CASE("capacity 0 keeps nothing") {
  near_cache nc{0, 60'000ms};
  const auto start = near_cache::clock::time_point{} + 1000h;
  CHECK_FALSE(nc.enabled());
  nc.admit("i-1", entry_of("{}"), 30s, start);
  CHECK(nc.size() == 0);
  CHECK_FALSE(nc.find("i-1", start).has_value());
}

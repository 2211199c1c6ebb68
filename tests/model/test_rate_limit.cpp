#include <doctest/doctest.h>

#include "runtime/model/rate_limit.hpp"

using namespace intentd;

namespace {

constexpr time_us sec = 1'000'000;
constexpr time_us t0 = 1'000 * 900 * sec; // a multiple of every window here

int passes(sliding_window& w, time_us now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i)
    n += w.take(now).allowed ? 1 : 0;
  return n;
}

int passes(token_bucket& b, time_us now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i)
    n += b.take(now).allowed ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE("token bucket: a burst of the limit, then one token per interval") {
  token_bucket b{10, 60 * sec, t0}; // one token every 6 s
  auto first = b.take(t0);
  CHECK(first.allowed);
  CHECK(first.remaining == 9);
  CHECK(passes(b, t0, 20) == 9);
  auto denied = b.take(t0);
  CHECK_FALSE(denied.allowed);
  CHECK(denied.remaining == 0);
  CHECK(denied.retry_after == 6 * sec);
  CHECK(denied.reset_in == 60 * sec);
  CHECK_FALSE(b.take(t0 + 6 * sec - 1).allowed);
  CHECK(b.take(t0 + 6 * sec).allowed);
  CHECK_FALSE(b.take(t0 + 6 * sec).allowed);
  // A long pause fills the bucket, never beyond the limit.
  CHECK(passes(b, t0 + 3600 * sec, 20) == 10);
  CHECK_FALSE(b.idle(t0 + 3600 * sec));
  CHECK(b.idle(t0 + 3660 * sec));
}

TEST_CASE("sliding window: the limit per window, the previous one weighted") {
  sliding_window w{20, 900 * sec, t0};
  CHECK(passes(w, t0, 30) == 20);
  auto denied = w.take(t0 + 10 * sec);
  CHECK_FALSE(denied.allowed);
  CHECK(denied.remaining == 0);
  // Nothing passes until the next window starts.
  CHECK(denied.retry_after > 890 * sec);
  CHECK_FALSE(w.take(t0 + 899 * sec).allowed);
  // Half-way into the next window the previous 20 weigh as 10.
  CHECK(passes(w, t0 + 1350 * sec, 30) == 10);
  // Two windows later nothing weighs any more.
  CHECK(w.idle(t0 + 2700 * sec));
  CHECK(passes(w, t0 + 2700 * sec, 30) == 20);
}

TEST_CASE("sliding window: retry_after is when the next request passes") {
  sliding_window w{4, 10 * sec, t0};
  CHECK(passes(w, t0 + 5 * sec, 4) == 4);
  auto denied = w.take(t0 + 5 * sec);
  REQUIRE_FALSE(denied.allowed);
  auto at = t0 + 5 * sec + denied.retry_after;
  CHECK_FALSE(w.take(at - sec).allowed);
  CHECK(w.take(at).allowed);
}

TEST_CASE("the LRU table holds at most its capacity, dropping the oldest") {
  lru_table<int> t{3};
  for (int i = 0; i < 1000; ++i)
    t.put("ip-" + std::to_string(i), i);
  CHECK(t.size() == 3);
  CHECK(t.evictions() == 997);
  CHECK(t.find("ip-0") == nullptr);
  REQUIRE(t.find("ip-997") != nullptr); // now the most recent
  t.put("new", 1);
  CHECK(t.find("ip-997") != nullptr);
  CHECK(t.find("ip-998") == nullptr);
  CHECK(t.drop_oldest_while([](int v) { return v < 1000; }) == 3);
  CHECK(t.size() == 0);
}

TEST_CASE("a flood of fresh addresses keeps each rule's table bounded") {
  rate_rule r{"per_ip", rate_key::ip, route_submit,
              5,        60 * sec,     rate_algorithm::token_bucket};
  rate_limits_state s{{r}, 100};
  for (int i = 0; i < 10'000; ++i)
    CHECK(s.check(route_submit, {"10.0." + std::to_string(i), ""}, t0).allowed);
  CHECK(s.rules()[0].keys() == 100);
  // Keys whose budget is whole again are swept.
  CHECK(s.sweep(t0 + 61 * sec) == 100);
  CHECK(s.rules()[0].keys() == 0);
}

TEST_CASE("rules apply per key and route; the closest to its limit reports") {
  rate_rule ip{"ip", rate_key::ip, route_submit,
               3,    60 * sec,     rate_algorithm::sliding_window};
  rate_rule user{"user", rate_key::user, route_submit | route_read,
                 5,      60 * sec,       rate_algorithm::sliding_window};
  rate_limits_state s{{ip, user}, 100};
  auto d = s.check(route_submit, {"1.1.1.1", "alice"}, t0);
  CHECK(d.applied);
  CHECK(d.allowed);
  CHECK(d.rule == 0);
  CHECK(d.limit == 3);
  CHECK(d.remaining == 2);
  CHECK(d.reset_s == 120);
  s.check(route_submit, {"1.1.1.1", "alice"}, t0);
  s.check(route_submit, {"1.1.1.1", "alice"}, t0);
  d = s.check(route_submit, {"1.1.1.1", "alice"}, t0);
  CHECK_FALSE(d.allowed);
  CHECK(d.rule == 0);
  CHECK(d.retry_after_s >= 60);
  // The refused request counted against no rule: alice has used 3 of 5.
  CHECK(s.check(route_submit, {"2.2.2.2", "alice"}, t0).allowed);
  d = s.check(route_read, {"2.2.2.2", "alice"}, t0);
  CHECK(d.allowed);
  CHECK(d.rule == 1);
  CHECK(d.remaining == 0);
  CHECK_FALSE(s.check(route_read, {"2.2.2.2", "alice"}, t0).allowed);
  // Reads are not limited by address; websocket by nothing.
  CHECK_FALSE(s.check(route_read, {"1.1.1.1", ""}, t0).applied);
  CHECK_FALSE(s.check(route_websocket, {"1.1.1.1", "alice"}, t0).applied);
  // Only the rules keyed as asked.
  CHECK(s.check(route_submit, {"9.9.9.9", "alice"}, t0, key_bit(rate_key::ip))
            .allowed);
}

TEST_CASE("X-Forwarded-For is believed from trusted proxies only") {
  std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};
  CHECK(client_address("8.8.8.8", "1.2.3.4", proxies) == "8.8.8.8");
  CHECK(client_address("127.0.0.1", "", proxies) == "127.0.0.1");
  CHECK(client_address("127.0.0.1", "1.2.3.4", proxies) == "1.2.3.4");
  // A client cannot pick its address by prepending to the header.
  CHECK(client_address("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", proxies) ==
        "1.2.3.4");
  CHECK(client_address("127.0.0.1", " , ", proxies) == "127.0.0.1");
}

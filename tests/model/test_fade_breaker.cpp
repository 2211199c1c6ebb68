#include <doctest/doctest.h>

#include <limits>

#include "runtime/model/fade_breaker.hpp"

using namespace intentd;

namespace {

constexpr int64_t sec = 1'000'000;

/// Fails `breaker` `n` times at `now`.
void fail(fade_breaker& breaker, uint32_t n, int64_t now) {
  for (uint32_t i = 0; i < n; ++i)
    breaker.report(false, now);
}

} // namespace

TEST_CASE("the cooldown doubles per trip up to the cap") {
  cooldown_schedule s{3, 5 * sec, 40 * sec};
  CHECK(cooldown_after(s, 1) == 5 * sec);
  CHECK(cooldown_after(s, 2) == 10 * sec);
  CHECK(cooldown_after(s, 3) == 20 * sec);
  CHECK(cooldown_after(s, 4) == 40 * sec);
  CHECK(cooldown_after(s, 5) == 40 * sec);
  CHECK(cooldown_after(s, 1000) == 40 * sec);
  // A cap that is no power-of-two multiple is reached exactly.
  s.cap = 15 * sec;
  CHECK(cooldown_after(s, 2) == 10 * sec);
  CHECK(cooldown_after(s, 3) == 15 * sec);
}

TEST_CASE("a cap at or below the base makes a fixed cooldown") {
  CHECK(cooldown_after({1, 1000, 1000}, 9) == 1000);
  CHECK(cooldown_after({1, 1000, 0}, 9) == 1000);
  CHECK(cooldown_after({1, 0, 1000}, 3) == 0);
  CHECK(cooldown_after({1, -5, 1000}, 3) == 0);
}

TEST_CASE("the cooldown does not overflow") {
  constexpr auto max = std::numeric_limits<int64_t>::max();
  cooldown_schedule s{1, max / 3, max};
  CHECK(cooldown_after(s, 2) == (max / 3) * 2);
  CHECK(cooldown_after(s, 3) == max);
  fade_breaker breaker{s};
  breaker.report(false, max - 10);
  CHECK(breaker.resting_until() == max);
}

TEST_CASE("the external schedule starts at cooldown_ms, capped at 64 times") {
  auto s = fade_schedule(3, 5'000);
  CHECK(s.failover_after == 3);
  CHECK(s.base == 5 * sec);
  CHECK(s.cap == 320 * sec);
  CHECK(cooldown_after(s, 7) == 320 * sec);
  CHECK(cooldown_after(s, 8) == 320 * sec);
}

TEST_CASE("failover_after failures in a row trip the breaker, fewer do not") {
  fade_breaker breaker{fade_schedule(3, 1'000)};
  fail(breaker, 2, 0);
  CHECK_FALSE(breaker.resting(0));
  CHECK(breaker.failures() == 2);
  breaker.report(false, 100);
  CHECK(breaker.resting(100));
  CHECK(breaker.trips() == 1);
  CHECK(breaker.failures() == 0);
  CHECK(breaker.resting_until() == 100 + sec);
  CHECK(breaker.resting(100 + sec - 1));
  CHECK_FALSE(breaker.resting(100 + sec));
}

TEST_CASE("each trip in a row rests twice as long") {
  fade_breaker breaker{fade_schedule(2, 1'000)};
  int64_t now = 0;
  int64_t expected[] = {1, 2, 4, 8, 16, 32, 64, 64, 64};
  for (int64_t rest : expected) {
    fail(breaker, 2, now);
    CAPTURE(breaker.trips());
    CHECK(breaker.resting_until() == now + rest * sec);
    now = breaker.resting_until();
    CHECK_FALSE(breaker.resting(now));
  }
}

TEST_CASE("a success resets failures and trips: the next rest is the base") {
  fade_breaker breaker{fade_schedule(2, 1'000)};
  fail(breaker, 2, 0);
  fail(breaker, 2, sec);
  CHECK(breaker.resting_until() == 3 * sec);
  breaker.report(true, 3 * sec);
  CHECK(breaker.trips() == 0);
  CHECK(breaker.failures() == 0);
  CHECK_FALSE(breaker.resting(3 * sec));
  fail(breaker, 2, 4 * sec);
  CHECK(breaker.resting_until() == 5 * sec);
}

TEST_CASE("a success between failures keeps the breaker closed") {
  fade_breaker breaker{fade_schedule(3, 1'000)};
  fail(breaker, 2, 0);
  breaker.report(true, 1);
  fail(breaker, 2, 2);
  CHECK_FALSE(breaker.resting(2));
  CHECK(breaker.failures() == 2);
}

TEST_CASE("failover_after 0 counts as 1") {
  fade_breaker breaker{{0, 10, 10}};
  breaker.report(false, 0);
  CHECK(breaker.resting(5));
}

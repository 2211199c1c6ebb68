#include <doctest/doctest.h>

#include "runtime/model/retry.hpp"

using namespace intentd;

namespace {

retry_policy no_jitter() {
  retry_policy p;
  p.base_delay_ms = 1'000;
  p.max_delay_ms = 30'000;
  p.jitter = 0.0;
  p.max_attempts = 100;
  return p;
}

} // namespace

TEST_CASE("backoff doubles from the base delay") {
  auto p = no_jitter();
  CHECK(backoff_delay_ms(p, 1, 0.3) == 1'000);
  CHECK(backoff_delay_ms(p, 2, 0.3) == 2'000);
  CHECK(backoff_delay_ms(p, 3, 0.3) == 4'000);
  CHECK(backoff_delay_ms(p, 4, 0.3) == 8'000);
  CHECK(backoff_delay_ms(p, 5, 0.3) == 16'000);
}

TEST_CASE("backoff is capped at the maximum delay") {
  auto p = no_jitter();
  CHECK(backoff_delay_ms(p, 6, 0.0) == 30'000);
  CHECK(backoff_delay_ms(p, 40, 0.0) == 30'000);
  CHECK(backoff_delay_ms(p, 4'000'000'000u, 0.0) == 30'000);
}

TEST_CASE("attempt zero is treated as the first") {
  auto p = no_jitter();
  CHECK(backoff_delay_ms(p, 0, 0.5) == 1'000);
}

TEST_CASE("jitter scales the delay within its bounds") {
  retry_policy p;
  p.base_delay_ms = 1'000;
  p.max_delay_ms = 30'000;
  p.jitter = 0.2;
  CHECK(backoff_delay_ms(p, 1, 0.0) == 800);
  CHECK(backoff_delay_ms(p, 1, 0.5) == 1'000);
  CHECK(backoff_delay_ms(p, 1, 0.75) == 1'100);
  CHECK(backoff_delay_ms(p, 3, 0.25) == 3'600);
  for (double u = 0.0; u < 1.0; u += 0.05) {
    auto d = backoff_delay_ms(p, 2, u);
    CHECK(d >= 1'600);
    CHECK(d <= 2'400);
  }
}

TEST_CASE("jitter never lifts a delay above the cap") {
  retry_policy p;
  p.base_delay_ms = 1'000;
  p.max_delay_ms = 5'000;
  p.jitter = 0.5;
  CHECK(backoff_delay_ms(p, 10, 0.999) == 5'000);
  CHECK(backoff_delay_ms(p, 10, 0.0) == 2'500);
}

TEST_CASE("full jitter spans zero to twice the delay") {
  retry_policy p;
  p.base_delay_ms = 1'000;
  p.max_delay_ms = 30'000;
  p.jitter = 1.0;
  CHECK(backoff_delay_ms(p, 1, 0.0) == 0);
  CHECK(backoff_delay_ms(p, 1, 0.9) == 1'800);
}

TEST_CASE("may_retry allows attempts up to the maximum") {
  retry_policy p;
  p.max_attempts = 3;
  CHECK(may_retry(p, 0));
  CHECK(may_retry(p, 1));
  CHECK(may_retry(p, 2));
  CHECK_FALSE(may_retry(p, 3));
  CHECK_FALSE(may_retry(p, 4));
  p.max_attempts = 0;
  CHECK_FALSE(may_retry(p, 0));
}

TEST_CASE("every solver gets its own attempts before a step fails") {
  retry_policy p;
  p.max_attempts = 3;
  p.solvers = 2;
  CHECK(attempt_budget(p) == 6);
  CHECK(may_retry(p, 5));
  CHECK_FALSE(may_retry(p, 6));
  p.solvers = 0;
  CHECK(attempt_budget(p) == 3);
}

TEST_CASE("the backoff starts over with each solver") {
  auto p = no_jitter();
  p.max_attempts = 3;
  p.solvers = 3;
  CHECK(backoff_delay_ms(p, 1, 0.0) == 1'000);
  CHECK(backoff_delay_ms(p, 2, 0.0) == 2'000);
  CHECK(backoff_delay_ms(p, 3, 0.0) == 4'000);
  CHECK(backoff_delay_ms(p, 4, 0.0) == 1'000);
  CHECK(backoff_delay_ms(p, 5, 0.0) == 2'000);
  CHECK(backoff_delay_ms(p, 7, 0.0) == 1'000);
}

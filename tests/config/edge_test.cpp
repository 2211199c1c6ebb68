#include <doctest/doctest.h>

#include "config/load.hpp"
#include "tests/config/parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

TEST_CASE("rate limits and cache default to the seeds' limits") {
  auto c = parse("{}");
  CHECK(c.rate_limits.enabled);
  REQUIRE(c.rate_limits.rules.size() == 2);
  CHECK(c.rate_limits.rules[0].key == "ip");
  CHECK(c.rate_limits.rules[0].limit == 20);
  CHECK(c.rate_limits.rules[0].window_s == 900);
  CHECK(c.rate_limits.rules[1].key == "user_account");
  CHECK(c.rate_limits.rules[1].limit == 100);
  CHECK(c.rate_limits.rules[1].window_s == 60);
  CHECK(c.cache.ttl_ms == 30'000);
  CHECK(c.server.max_in_flight == 50'000);
}

TEST_CASE("rate-limit rules, lists and the cache read and write back") {
  auto c = parse(R"(
rate_limits:
  enabled: false
  trusted_proxies: ["127.0.0.1", "::1"]
  allow_api_keys: [k1]
  rules:
    - {name: all, key: global, routes: [submit, read, websocket],
       limit: 1000, window_s: 1, algorithm: token_bucket}
cache: {ttl_ms: 500, capacity: 7, chain_fallback: false}
)");
  CHECK_FALSE(c.rate_limits.enabled);
  CHECK(c.rate_limits.trusted_proxies ==
        std::vector<std::string>{"127.0.0.1", "::1"});
  REQUIRE(c.rate_limits.rules.size() == 1);
  CHECK(c.rate_limits.rules[0].routes.size() == 3);
  CHECK(c.rate_limits.rules[0].algorithm == "token_bucket");
  CHECK(c.cache.capacity == 7);
  auto again = parse(to_yaml(c));
  CHECK(again.rate_limits.trusted_proxies == c.rate_limits.trusted_proxies);
  CHECK(again.rate_limits.allow_api_keys == c.rate_limits.allow_api_keys);
  REQUIRE(again.rate_limits.rules.size() == 1);
  CHECK(again.rate_limits.rules[0].name == "all");
  CHECK(again.rate_limits.rules[0].routes == c.rate_limits.rules[0].routes);
  CHECK(again.cache.ttl_ms == 500);
  CHECK_FALSE(again.cache.chain_fallback);
  CHECK(parse("rate_limits: {rules: []}").rate_limits.rules.empty());
}

TEST_CASE("bad rate-limit values name their path") {
  auto e = error_of("rate_limits:\n  rules:\n    - {name: a, key: ipp}\n");
  CHECK(e.find("rate_limits.rules[0].key") == 0);
  CHECK(e.find("did you mean `ip`?") != std::string::npos);
  e = error_of("rate_limits:\n  rules:\n    - {name: a, routes: [sumbit]}\n");
  CHECK(e.find("rate_limits.rules[0].routes") == 0);
  CHECK(e.find("did you mean `submit`?") != std::string::npos);
  e = error_of("rate_limits: {trusted_proxies: [localhost]}\n");
  CHECK(e.find("rate_limits.trusted_proxies") == 0);
  e = error_of("rate_limits:\n  rules:\n    - {name: a, limt: 3}\n");
  CHECK(e.find("rate_limits.rules[0].limt") == 0);
  CHECK(error_of("cache: {ttl_ms: 0}").find("cache.ttl_ms") == 0);
}

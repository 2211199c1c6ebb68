#include <doctest/doctest.h>

#include "tests/runtime/http_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

// The daemon maps its config once (settings_of) and hands the result to the
// engine and the gateway; the gateway's router and WebSocket hub take theirs
// from what they are given, not from the engine's config again.
TEST_CASE("the gateway serves with the settings it is given") {
  fake_engine eng{test_config()};
  auto s = test_settings();
  REQUIRE(s.limits.max_id_length > 8);
  s.limits.max_id_length = 4;
  http_server server{eng, s};
  server.start();
  auto too_long =
      request(server.port(), verb::post, "/api/v1/intents", swap_body("abcde"));
  CHECK(too_long.status == 400);
  CHECK(too_long.body.find("must be 1 to 4") != std::string::npos);
  auto fits =
      request(server.port(), verb::post, "/api/v1/intents", swap_body("abcd"));
  CHECK(fits.status == 202);
  server.stop(std::chrono::seconds{1});
  eng.stop();
}

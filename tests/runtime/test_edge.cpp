#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "actors/rate_limiter.hpp"
#include "tests/runtime/http_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

using steady = std::chrono::steady_clock;

/// Gateway over the fake engine whose rate limits believe X-Forwarded-For
/// from 127.0.0.1, so that one test can play several clients.
cfg::config limited_config(uint32_t limit) {
  auto c = test_config();
  c.rate_limits.trusted_proxies = {"127.0.0.1"};
  c.rate_limits.allow_api_keys = {"ops-key"};
  c.rate_limits.rules = {
      {"submit_per_ip", "ip", {"submit"}, limit, 900, "sliding_window"},
      {"user_reads", "user_account", {"read"}, 1000, 60, "token_bucket"}};
  return c;
}

http_response send_as(http_client& c, const std::string& method,
                      const std::string& target, const std::string& client_ip,
                      const std::string& body = {},
                      const std::string& extra = {}) {
  std::string raw = method + " " + target +
                    " HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + client_ip +
                    "\r\n" + extra;
  if (!body.empty())
    raw += "Content-Type: application/json\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  c.write_raw(raw);
  return c.read();
}

} // namespace

TEST_CASE("a client sending 10 times its limit gets 429s; others are served") {
  server_fixture f{test_options(), limited_config(5)};
  http_client greedy{f.port()};
  http_client modest{f.port()};
  int accepted = 0;
  int limited = 0;
  int other_accepted = 0;
  for (int i = 0; i < 50; ++i) {
    auto res = send_as(greedy, "POST", "/api/v1/intents", "203.0.113.7",
                       swap_body("g-" + std::to_string(i)));
    if (res.status == 202) {
      ++accepted;
      CHECK(res.header("RateLimit-Limit") == "5");
      CHECK(res.header("RateLimit-Remaining") == std::to_string(5 - accepted));
      CHECK_FALSE(res.header("RateLimit-Reset").empty());
    } else {
      REQUIRE(res.status == 429);
      ++limited;
      CHECK(res.json()["error"]["code"] == "rate_limited");
      CHECK(std::stoi(res.header("Retry-After")) >= 1);
      CHECK(res.header("RateLimit-Limit") == "5");
      CHECK(res.header("RateLimit-Remaining") == "0");
      CHECK_FALSE(res.header("RateLimit-Reset").empty());
    }
    if (i % 10 == 0) {
      auto other = send_as(modest, "POST", "/api/v1/intents", "198.51.100.2",
                           swap_body("m-" + std::to_string(i), "bob.near"));
      other_accepted += other.status == 202 ? 1 : 0;
    }
  }
  CHECK(accepted == 5);
  CHECK(limited == 45);
  CHECK(other_accepted == 5);
  // Reads are not limited by address: the greedy client still reads.
  auto read = send_as(greedy, "GET", "/api/v1/intents/g-0", "203.0.113.7");
  CHECK(read.status == 200);
  CHECK(read.header("RateLimit-Limit") == "1000");
  // An allow-listed API key passes whatever its address did.
  auto exempt = send_as(greedy, "POST", "/api/v1/intents", "203.0.113.7",
                        swap_body("g-key"), "X-API-Key: ops-key\r\n");
  CHECK(exempt.status == 202);
  CHECK(exempt.header("RateLimit-Limit").empty());
  auto counts = f.server_limits().limited_counts();
  REQUIRE(counts.size() == 2);
  CHECK(counts[0] == std::pair<std::string, uint64_t>{"submit_per_ip", 45});
  CHECK(counts[1].second == 0);
}

TEST_CASE("X-Forwarded-For from an untrusted peer is ignored") {
  auto c = limited_config(2);
  c.rate_limits.trusted_proxies.clear();
  server_fixture f{test_options(), c};
  http_client client{f.port()};
  int statuses[4];
  for (int i = 0; i < 4; ++i)
    statuses[i] = send_as(client, "POST", "/api/v1/intents",
                          "10.0.0." + std::to_string(i),
                          swap_body("x-" + std::to_string(i)))
                      .status;
  CHECK(statuses[0] == 202);
  CHECK(statuses[1] == 202);
  CHECK(statuses[2] == 429);
  CHECK(statuses[3] == 429);
}

TEST_CASE("rate_limits.enabled false turns every limit off") {
  auto c = limited_config(1);
  c.rate_limits.enabled = false;
  server_fixture f{test_options(), c};
  http_client client{f.port()};
  for (int i = 0; i < 5; ++i) {
    auto res = send_as(client, "POST", "/api/v1/intents", "203.0.113.7",
                       swap_body("off-" + std::to_string(i)));
    CHECK(res.status == 202);
    CHECK(res.header("RateLimit-Limit").empty());
  }
}

TEST_CASE("a slowloris client is cut off at the read timeout, others served") {
  server_fixture f; // read_timeout 200 ms
  std::atomic<bool> done{false};
  const std::string header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n"
      "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  auto slow = std::async(std::launch::async, [&] {
    http_client client{f.port()};
    auto begun = steady::now();
    size_t sent = 0;
    try {
      // One byte every 50 ms: the whole header would take about 3 s.
      for (; sent < header.size(); ++sent) {
        client.write_raw(header.substr(sent, 1));
        std::this_thread::sleep_for(50ms);
      }
    } catch (const std::exception&) {
    }
    done = true;
    return std::make_pair(sent, steady::now() - begun);
  });
  int served = 0;
  http_client other{f.port()};
  while (!done && served < 200) {
    if (other.send(verb::get, "/healthz").status == 200)
      ++served;
    std::this_thread::sleep_for(5ms);
  }
  auto [sent, took] = slow.get();
  CHECK(served >= 5);
  // Cut off before the header was complete, and not before the timeout.
  CHECK(sent < header.size());
  CHECK(took >= 150ms);
}

TEST_CASE("a keep-alive connection left idle is closed at the idle timeout") {
  auto o = test_options();
  o.idle_timeout = 300ms;
  server_fixture f{o};
  http_client client{f.port()};
  REQUIRE(client.send(verb::get, "/healthz").status == 200);
  auto begun = steady::now();
  CHECK(client.wait_closed());
  auto waited = steady::now() - begun;
  CHECK(waited >= 250ms);
}

#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "tests/runtime/http_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

using steady = std::chrono::steady_clock;

// Runs one request on its own thread; the result or the failure comes back
// through the future.
std::future<http_response> request_async(http_client& client, verb method,
                                         std::string target) {
  return std::async(std::launch::async, [&client, method, target] {
    return client.send(method, target);
  });
}

} // namespace

TEST_CASE("keep-alive serves two requests on one connection") {
  server_fixture f;
  http_client client{f.port()};
  auto first = client.send(verb::post, "/api/v1/intents", swap_body("k-1"));
  CHECK(first.status == 202);
  CHECK(first.keep_alive);
  auto second = client.send(verb::get, "/api/v1/intents/k-1");
  CHECK(second.status == 200);
  CHECK(f.server.connections() == 1);
  auto last = client.send(verb::get, "/healthz", {}, "", false);
  CHECK(last.status == 200);
  CHECK_FALSE(last.keep_alive);
  CHECK(client.wait_closed());
}

TEST_CASE("connections spread over every HTTP thread are all served") {
  // Each thread runs its own event loop and keeps the connections it got
  // (round robin): six connections put two on each of three. /healthz is
  // answered while the router runs, a submission later from the engine.
  auto o = test_options();
  o.threads = 3;
  server_fixture f{o};
  std::vector<std::unique_ptr<http_client>> clients;
  clients.reserve(6);
  for (int i = 0; i < 6; ++i)
    clients.push_back(std::make_unique<http_client>(f.port()));
  for (int round = 0; round < 2; ++round)
    for (size_t i = 0; i < clients.size(); ++i) {
      auto id = "spread-" + std::to_string(round) + "-" + std::to_string(i);
      CHECK(clients[i]->send(verb::get, "/healthz").status == 200);
      CHECK(clients[i]
                ->send(verb::post, "/api/v1/intents", swap_body(id))
                .status == 202);
      CHECK(clients[i]->send(verb::get, "/api/v1/intents/" + id).status == 200);
    }
  CHECK(f.server.connections() == 6);
}

TEST_CASE("the read timeout closes a half-sent request") {
  server_fixture f;
  http_client client{f.port()};
  auto begun = steady::now();
  client.write_raw("POST /api/v1/intents HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: 100\r\n\r\n{\"user_account\":");
  CHECK(client.wait_closed());
  auto waited = steady::now() - begun;
  CHECK(waited >= 150ms);
}

TEST_CASE("malformed HTTP gets 400 and the connection closes") {
  server_fixture f;
  http_client client{f.port()};
  client.write_raw("BAD\x01 / HTTP/1.1\r\n\r\n");
  auto res = client.read();
  CHECK(res.status == 400);
  CHECK(client.wait_closed());
}

TEST_CASE("Expect: 100-continue gets 100 before the body is sent") {
  server_fixture f;
  http_client client{f.port()};
  auto body = swap_body("e-1");
  client.write_raw("POST /api/v1/intents HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/json\r\n"
                   "Expect: 100-continue\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n");
  CHECK(client.read().status == 100);
  client.write_raw(body);
  CHECK(client.read().status == 202);
}

TEST_CASE("headers past header_limit get 431") {
  auto opts = test_options();
  opts.header_limit = 1024;
  server_fixture f{opts};
  http_client client{f.port()};
  client.write_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                   std::string(2048, 'a') + "\r\n\r\n");
  CHECK(client.read().status == 431);
  CHECK(client.wait_closed());
}

TEST_CASE("a slow engine answer becomes 504 and its late reply is dropped") {
  auto opts = test_options();
  opts.request_timeout = 200ms;
  server_fixture f{opts};
  http_client client{f.port()};
  f.eng.hold(true);
  auto res = client.send(verb::get, "/api/v1/intents/slow");
  CHECK(res.status == 504);
  CHECK(res.json()["error"]["code"] == "timeout");
  CHECK(res.keep_alive);
  f.eng.release();
  auto next = client.send(verb::get, "/healthz");
  CHECK(next.status == 200);
  CHECK(next.json()["status"] == "ok");
}

TEST_CASE("connections past max_connections get 503") {
  auto opts = test_options();
  opts.max_connections = 1;
  server_fixture f{opts};
  http_client first{f.port()};
  REQUIRE(first.send(verb::get, "/healthz").status == 200);
  auto rejected = request(f.port(), verb::get, "/healthz");
  CHECK(rejected.status == 503);
  CHECK(rejected.header("Retry-After") == "1");
  CHECK(first.send(verb::get, "/healthz").status == 200);
}

TEST_CASE("stop lets a request in flight finish and closes idle "
          "connections") {
  fake_engine eng{test_config()};
  http_server server{eng, test_settings()};
  server.start();
  auto port = server.port();
  http_client idle{port};
  REQUIRE(idle.send(verb::get, "/healthz").status == 200);
  http_client busy{port};
  eng.hold(true);
  auto answer = request_async(busy, verb::get, "/api/v1/intents/none");
  REQUIRE(eng.wait_held(1, 5s));
  auto stopped = std::async(std::launch::async, [&] { server.stop(5s); });
  CHECK(idle.wait_closed());
  eng.release();
  auto res = answer.get();
  CHECK(res.status == 404);
  CHECK_FALSE(res.keep_alive);
  REQUIRE(stopped.wait_for(5s) == std::future_status::ready);
  CHECK(server.connections() == 0);
  CHECK_THROWS(http_client(port, 500ms));
  server.stop(1s);
}

TEST_CASE("stop closes what is still running once the grace has passed") {
  fake_engine eng{test_config()};
  http_server server{eng, test_settings()};
  server.start();
  http_client busy{server.port()};
  eng.hold(true);
  auto answer = request_async(busy, verb::get, "/api/v1/intents/stuck");
  REQUIRE(eng.wait_held(1, 5s));
  server.stop(200ms);
  CHECK_THROWS(answer.get());
  eng.release();
  eng.stop();
}

TEST_CASE("start reports an address in use") {
  fake_engine eng{test_config()};
  http_server first{eng, test_settings()};
  first.start();
  auto opts = test_options();
  opts.port = first.port();
  http_server second{eng, test_settings(opts)};
  CHECK_THROWS_AS(second.start(), std::runtime_error);
  first.stop(1s);
}

#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "http_client.hpp"
#include "persistence/store_fixture.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/http/server.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

intent transfer(const std::string& id) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::transfer;
  in.input_token = "usdc.near";
  in.input_amount = 1'000'000;
  in.recipient = "bob.near";
  in.expires_at = wall_clock_now() + 3'600'000'000;
  return in;
}

std::string transfer_body(const std::string& id) {
  return json{{"id", id},
              {"user_account", "alice.near"},
              {"action", "transfer"},
              {"input_token", "usdc.near"},
              {"input_amount", "1"},
              {"recipient", "bob.near"}}
      .dump();
}

/// Opens a gate once, also when a check fails before the test opens it: a
/// callback still waiting on it would keep the engine from stopping.
struct gate {
  std::promise<void> open_;
  std::shared_future<void> opened = open_.get_future().share();
  bool is_open = false;

  void open() {
    if (!is_open)
      open_.set_value();
    is_open = true;
  }
  ~gate() { open(); }
};

} // namespace

// The engine answers overloaded (503, Retry-After) once server.max_in_flight
// requests wait for its actors. To hold one there without timing, an
// embedder's reply callback blocks the engine's request bridge until the
// test opens a gate: a request made meanwhile waits in the bridge's mailbox
// and counts as in flight until the gate opens.
TEST_CASE("past server.max_in_flight the gateway answers 503 with "
          "Retry-After, and serves again once the backlog drains") {
  temp_dir dir;
  cfg::config config;
  config.server.listen = "127.0.0.1:0";
  config.server.max_in_flight = 1;
  config.storage.path = dir.path().string();
  config.storage.sync = false;
  config.storage.map_size_mb = 64;
  config.chain.simulated.latency_ms = 5;
  config.rate_limits.enabled = false;
  config.logging.level = "off";
  auto eng = engine_core::start(config);
  http_server server{*eng, settings_of(config)};
  server.start();
  auto port = server.port();
  for (int i = 0; i < 500 && !eng->ready(); ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(eng->ready());

  {
    gate bridge_held;
    auto entered = std::make_shared<std::promise<void>>();
    eng->submit(transfer("hold"), "d-hold",
                [entered, opened = bridge_held.opened](outcome<submit_result>) {
                  entered->set_value();
                  opened.wait();
                });
    REQUIRE(entered->get_future().wait_for(10s) == std::future_status::ready);
    auto queued = std::make_shared<std::promise<outcome<submit_result>>>();
    auto answer = queued->get_future();
    eng->submit(transfer("queued"), "d-queued",
                [queued](outcome<submit_result> r) { queued->set_value(r); });
    // One request in flight: the limit is reached.
    auto refused =
        request(port, verb::post, "/api/v1/intents", transfer_body("over"));
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    CHECK(refused.json()["error"]["code"] == "overloaded");
    auto solvers = request(port, verb::get, "/api/v1/solvers");
    CHECK(solvers.status == 503);
    CHECK(solvers.header("Retry-After") == "1");

    bridge_held.open();
    REQUIRE(answer.wait_for(10s) == std::future_status::ready);
    auto r = answer.get();
    REQUIRE(r);
    CHECK(r->created);
  }
  // Drained: the same request is accepted now, as new (202, not 200): the
  // refused one left nothing behind.
  auto accepted =
      request(port, verb::post, "/api/v1/intents", transfer_body("over"));
  CHECK(accepted.status == 202);
  CHECK(request(port, verb::get, "/api/v1/solvers").status == 200);
  server.stop(1s);
  eng->stop();
}

#include <doctest/doctest.h>
#include <functional>

#include <mutex>
#include <set>
#include <thread>

#include "http_client.hpp"
#include "loopback_daemon.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "ws_client.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// The real engine and gateway on loopback port 0, storage in a temp dir.
struct ws_daemon : loopback_daemon {
  ws_daemon(const temp_dir& dir, uint32_t latency_ms,
            cfg::notifier notifier = {},
            std::function<void(cfg::config&)> tweak = {}) {
    config = loopback_config(dir, latency_ms);
    config.notifier = notifier;
    config.rate_limits.enabled =
        false; // hundreds of submissions from one address
    if (tweak)
      tweak(config);
    start();
  }

  void submit(const std::string& id, const std::string& user) {
    json body = {{"id", id},
                 {"user_account", user},
                 {"action", "transfer"},
                 {"input_token", "usdc.near"},
                 {"input_amount", "1"},
                 {"recipient", "bob.near"}};
    auto res = request(port, verb::post, "/api/v1/intents", body.dump());
    REQUIRE(res.status == 202);
  }
};

json sub_intent(const std::string& id) {
  return {{"op", "subscribe-intent"}, {"intent_id", id}};
}

json sub_user(const std::string& user) {
  return {{"op", "subscribe-user"}, {"user_account", user}};
}

std::vector<std::string> statuses_of(const std::vector<json>& msgs,
                                     const std::string& id) {
  std::vector<std::string> out;
  for (auto& m : msgs)
    if (m["event"] == "intent-update" && m["intent_id"] == id)
      out.push_back(m["status"].get<std::string>() + "@" +
                    std::to_string(m["seq"].get<uint64_t>()));
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE(
    "a subscriber sees pending, verified, executing, completed in order") {
  temp_dir dir;
  ws_daemon d{dir, 5};
  ws_client c{d.port};
  c.send(sub_user("wsa.near"));
  auto ack = c.read();
  REQUIRE(ack);
  CHECK(*ack == json{{"event", "subscribed"},
                     {"target", "user"},
                     {"user_account", "wsa.near"}});
  CHECK(d.server->ws_connections() == 1);
  d.submit("w1", "wsa.near");
  std::vector<json> seen;
  REQUIRE(c.read_until("w1", "completed", seen));
  CHECK(statuses_of(seen, "w1") ==
        strings{"pending@1", "verified@2", "executing@3", "completed@4"});
  auto& done = seen.back();
  CHECK(done["message"] == "Successfully completed your transfer!");
  CHECK(done["details"]["execution"]["transactions"].size() == 1);
  CHECK(done["timestamp"].is_string());
  // A second client following the intent itself gets its current state
  // first: it reconnected after everything happened and misses nothing.
  ws_client late{d.port};
  late.send(sub_intent("w1"));
  auto a = late.read();
  auto s = late.read();
  REQUIRE(a);
  REQUIRE(s);
  CHECK((*a)["event"] == "subscribed");
  CHECK((*a)["intent_id"] == "w1");
  CHECK((*s)["event"] == "intent-update");
  CHECK((*s)["status"] == "completed");
  CHECK((*s)["seq"] == 4);
  CHECK((*s)["timestamp"] == done["timestamp"]);
}

TEST_CASE("subscribing to a live intent sends its state, then the rest") {
  temp_dir dir;
  ws_daemon d{dir, 100};
  d.submit("w2", "wsb.near");
  ws_client c{d.port};
  c.send(sub_intent("w2"));
  std::vector<json> seen;
  REQUIRE(c.read_until("w2", "completed", seen));
  CHECK(seen.front()["event"] == "subscribed");
  auto got = statuses_of(seen, "w2");
  REQUIRE(!got.empty());
  strings all{"pending@1", "verified@2", "executing@3", "completed@4"};
  // Whatever state it was in, the rest follows without gap or repeat.
  auto from = std::find(all.begin(), all.end(), got.front());
  REQUIRE(from != all.end());
  CHECK(got == strings(from, all.end()));
}

TEST_CASE("subscribe-user sends the account's live intents first, then the "
          "rest") {
  temp_dir dir;
  ws_daemon d{dir, 1000}; // a second per chain call: both stay pending
  d.submit("gone", "wsu.near");
  auto cancelled =
      request(d.port, verb::post, "/api/v1/intents/gone/cancel", "{}");
  REQUIRE(cancelled.status == 200);
  d.submit("u1", "wsu.near");
  d.submit("u2", "wsu.near");
  d.submit("x1", "other.near");
  ws_client c{d.port};
  c.send(sub_user("wsu.near"));
  std::vector<json> seen;
  int completed = 0;
  while (completed < 2) {
    auto m = c.read();
    REQUIRE(m);
    seen.push_back(*m);
    completed += (*m)["status"] == "completed";
  }
  CHECK(seen.front()["event"] == "subscribed");
  // Their current state before any transition, then each transition once.
  REQUIRE(seen.size() >= 3);
  CHECK(seen[1]["status"] == "pending");
  CHECK(seen[2]["status"] == "pending");
  CHECK(std::set<std::string>{seen[1]["intent_id"], seen[2]["intent_id"]} ==
        std::set<std::string>{"u1", "u2"});
  strings all{"pending@1", "verified@2", "executing@3", "completed@4"};
  CHECK(statuses_of(seen, "u1") == all);
  CHECK(statuses_of(seen, "u2") == all);
  CHECK(statuses_of(seen, "gone").empty());
  CHECK(statuses_of(seen, "x1").empty());
}

TEST_CASE("bad messages get an error event and the connection stays usable") {
  temp_dir dir;
  ws_daemon d{dir, 5};
  ws_client c{d.port};
  auto expect_error = [&](const std::string& text, const std::string& code) {
    c.send(text);
    auto m = c.read();
    REQUIRE(m);
    CHECK((*m)["event"] == "error");
    CHECK((*m)["code"] == code);
    CHECK((*m)["message"].is_string());
  };
  expect_error("not json {", "invalid_json");
  expect_error(R"({"op":"dance"})", "unknown_op");
  expect_error(R"({"op":"subscribe-intent"})", "missing_field");
  expect_error(sub_intent("no-such-id").dump(), "unknown_intent");
  d.submit("w3", "wsc.near");
  c.send(sub_intent("w3"));
  std::vector<json> seen;
  REQUIRE(c.read_until("w3", "completed", seen));
  CHECK(seen.front()["event"] == "subscribed");
}

TEST_CASE("subscriptions per connection are capped") {
  temp_dir dir;
  cfg::notifier n;
  n.max_subscriptions_per_connection = 2;
  ws_daemon d{dir, 5, n};
  ws_client c{d.port};
  for (auto user : {"u1.near", "u2.near", "u3.near"})
    c.send(sub_user(user));
  CHECK((*c.read())["event"] == "subscribed");
  CHECK((*c.read())["event"] == "subscribed");
  auto third = c.read();
  REQUIRE(third);
  CHECK((*third)["code"] == "too_many_subscriptions");
  CHECK((*third)["user_account"] == "u3.near");
}

TEST_CASE("a slow consumer is closed with 1013, the others keep receiving") {
  temp_dir dir;
  cfg::notifier n;
  n.max_queued_messages = 128;
  n.send_buffer_bytes = 4096;
  ws_daemon d{dir, 0, n};
  ws_client slow{d.port, 4096};
  ws_client fast{d.port};
  slow.send(sub_user("slow.near"));
  fast.send(sub_user("slow.near"));
  REQUIRE(fast.read());
  REQUIRE(d.eventually([&] { return d.server->ws_connections() == 2; }));
  // The slow client reads nothing from now on; the fast one keeps up.
  const int count = 200;
  size_t updates = 0;
  int completed = 0;
  std::thread reader([&] {
    while (completed < count) {
      auto m = fast.read();
      if (!m)
        return;
      updates += (*m)["event"] == "intent-update";
      completed += (*m)["status"] == "completed";
    }
  });
  // The slow client starts reading once the server has given up on it, not
  // once every intent is done: the server cuts a client that does not take
  // its close frame off after the read timeout and 500 ms (10.5 s here), and
  // 200 intents can take longer than that (under a sanitizer). What was
  // written before the close is still there, then the close.
  bool dropped = false;
  std::thread drain([&] {
    dropped =
        d.eventually([&] { return d.server->ws_dropped_slow() > 0; }, 60s);
    if (dropped)
      while (slow.read())
        ;
  });
  for (int i = 0; i < count; ++i)
    d.submit("s" + std::to_string(i), "slow.near");
  reader.join();
  drain.join();
  CHECK(completed == count);
  CHECK(updates == 4 * count);
  REQUIRE(dropped);
  CHECK(d.server->ws_dropped_slow() == 1);
  CHECK(slow.close_code() == 1013);
  CHECK(d.eventually([&] { return d.server->ws_connections() == 1; }));
  CHECK(d.server->ws_dropped_slow() == 1);
  auto exposed = d.eng->metrics()->expose();
  CHECK(exposed.find("\nwebsocket_slow_consumers_dropped_total 1\n") !=
        std::string::npos);
  CHECK(exposed.find("\nwebsocket_connections 1\n") != std::string::npos);
}

TEST_CASE("stopping the server closes WebSockets with 1001") {
  temp_dir dir;
  ws_daemon d{dir, 5};
  ws_client c{d.port};
  c.send(sub_user("bye.near"));
  REQUIRE(c.read());
  std::optional<json> last;
  std::thread reader([&] {
    while (auto m = c.read())
      last = m;
  });
  d.server->stop(3s);
  reader.join();
  CHECK(c.close_code() == 1001);
  CHECK(d.server->ws_connections() == 0);
}

TEST_CASE("GET /api/v1/ws without an upgrade is 426") {
  temp_dir dir;
  ws_daemon d{dir, 5};
  auto res = request(d.port, verb::get, "/api/v1/ws");
  CHECK(res.status == 426);
  CHECK(res.json()["error"]["code"] == "upgrade_required");
}

TEST_CASE("WebSocket upgrades past a websocket rule's limit get 429") {
  temp_dir dir;
  ws_daemon d{
      dir, 5, {}, [](cfg::config& c) {
        c.rate_limits.enabled = true;
        c.rate_limits.rules = {
            {"ws_per_ip", "ip", {"websocket"}, 2, 60, "sliding_window"}};
      }};
  ws_client first{d.port};
  ws_client second{d.port};
  CHECK_THROWS_AS(ws_client{d.port}, std::runtime_error);
  CHECK(d.server->ws_connections() == 2);
  auto exposed = d.eng->metrics()->expose();
  CHECK(exposed.find("\nhttp_rate_limited_total{rule=\"ws_per_ip\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("an embedder subscribes through the engine facade") {
  temp_dir dir;
  // Declared before the engine: a handler may run until it stops.
  std::mutex mu;
  std::vector<std::string> got;
  ws_daemon d{dir, 5};
  d.submit("e1", "emb.near");
  auto record = [&](const notice& n) {
    std::lock_guard<std::mutex> lock(mu);
    if (n.kind == notice_kind::update)
      got.push_back(std::string{to_string(n.update->status)} + "@" +
                    std::to_string(n.update->seq));
    else
      got.push_back(n.kind == notice_kind::subscribed ? "subscribed"
                                                      : "error " + n.code);
    return true;
  };
  auto handle = d.eng->subscribe_to(subscription_target::intent, "e1", record);
  REQUIRE(handle);
  auto final_seen = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return !got.empty() && got.back() == "completed@4";
  };
  REQUIRE(d.eventually(final_seen));
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(got.front() == "subscribed");
    for (size_t i = 2; i < got.size(); ++i) // increasing seqs, no repeats
      CHECK(got[i - 1].back() < got[i].back());
  }
  auto unknown = d.eng->subscribe_to(subscription_target::intent, "nope",
                                     [&](const notice& n) {
                                       std::lock_guard<std::mutex> l(mu);
                                       got.push_back("x " + n.code);
                                       return true;
                                     });
  REQUIRE(unknown);
  CHECK(d.eventually([&] {
    std::lock_guard<std::mutex> l(mu);
    return got.back() == "x unknown_intent";
  }));
}

TEST_CASE("pings keep a reading client; a silent one is closed") {
  temp_dir dir;
  cfg::notifier n;
  n.ping_interval_ms = 100;
  ws_daemon d{dir, 5, n};
  ws_client silent{d.port}; // never reads, so never answers a ping
  ws_client live{d.port};
  std::thread reader([&] {
    while (live.read())
      ;
  });
  REQUIRE(d.eventually([&] { return d.server->ws_connections() == 2; }));
  // The silent one goes after two intervals; the live one stays for many.
  CHECK(d.eventually([&] { return d.server->ws_connections() == 1; }, 5s));
  auto seen = live.pings();
  CHECK(d.eventually([&] { return live.pings() >= seen + 5; }));
  CHECK(d.server->ws_connections() == 1);
  d.server->stop(2s);
  reader.join();
  CHECK(live.close_code() == 1001);
}

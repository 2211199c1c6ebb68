#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "loopback_daemon.hpp"
#include "runtime/engine/solver_registry.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/solver_quote.hpp"
#include "runtime/model/time.hpp"
#include "ws_client.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string solver_path = "/api/v1/solver-ws";

ed25519_keys keys_of(char fill) {
  return *keys_from_seed(std::string(32, fill));
}

std::string public_hex(const ed25519_keys& k) {
  return to_hex({reinterpret_cast<const char*>(k.public_key.data()),
                 k.public_key.size()});
}

/// The answer to a challenge, as docs/api.md specifies it.
json auth_for(const std::string& solver_id, const ed25519_keys& k,
              const std::string& nonce) {
  return {{"type", "auth"},
          {"solver_id", solver_id},
          {"signature", sign_message(k, "intentd-solver-auth:" + nonce)}};
}

/// The real engine and gateway with two external solvers, acme and beta;
/// no reconnect grace unless `grace_ms` is given.
struct solver_daemon : loopback_daemon {
  ed25519_keys acme = keys_of('\x01');
  ed25519_keys beta = keys_of('\x02');

  explicit solver_daemon(const temp_dir& dir,
                         std::chrono::milliseconds auth_timeout = 5s,
                         uint32_t grace_ms = 0) {
    config = loopback_config(dir, 5);
    config.solvers.external = {{"acme", public_hex(acme), "acme.near"},
                               {"beta", public_hex(beta), "beta.near"}};
    config.solvers.reconnect_grace_ms = grace_ms;
    eng = engine_core::start(config);
    auto settings = settings_of(config);
    settings.solver_ws.auth_timeout = auth_timeout;
    server = std::make_unique<http_server>(*eng, settings);
    server->start();
    port = server->port();
  }

  solver_registry& registry() { return *eng->solver_links(); }

  std::unique_ptr<ws_client> connect() {
    return std::make_unique<ws_client>(
        port, 0, 10s, std::vector<std::pair<std::string, std::string>>{},
        solver_path);
  }

  /// A connection that answered its challenge and got ready.
  std::unique_ptr<ws_client> sign_in(const std::string& id,
                                     const ed25519_keys& k) {
    auto c = connect();
    auto challenge = c->read();
    REQUIRE(challenge);
    c->send(auth_for(id, k, (*challenge)["nonce"]));
    auto ready = c->read();
    REQUIRE(ready);
    CHECK(*ready == json{{"type", "ready"}, {"solver_id", id}});
    return c;
  }

  bool has_metric(const std::string& line) {
    return eng->metrics()->expose().find(line + "\n") != std::string::npos;
  }
};

using strings = std::vector<std::string>;

std::string swap_body(const std::string& id) {
  return json{{"id", id},
              {"user_account", "alice.near"},
              {"action", "swap"},
              {"input_token", "usdc.near"},
              {"input_amount", "100"},
              {"output_token", "wrap.near"},
              {"min_output_amount", "0.05"},
              {"expires_at", format_rfc3339(wall_clock_now() + 600'000'000)}}
      .dump();
}

} // namespace

TEST_CASE("a solver that proves its configured key gets ready and is listed") {
  temp_dir dir;
  solver_daemon d{dir};
  auto c = d.connect();
  auto challenge = c->read();
  REQUIRE(challenge);
  CHECK((*challenge)["type"] == "challenge");
  const std::string nonce = (*challenge)["nonce"];
  CHECK(nonce.size() == 64);
  CHECK(from_hex(nonce).has_value());
  c->send(auth_for("acme", d.acme, nonce));
  auto ready = c->read();
  REQUIRE(ready);
  CHECK(*ready == json{{"type", "ready"}, {"solver_id", "acme"}});
  CHECK(d.registry().connected() == strings{"acme"});
  CHECK(d.registry().is_connected("acme"));
  CHECK_FALSE(d.registry().is_connected("beta"));
  CHECK(d.has_metric("external_solvers_connected 1"));
  CHECK(d.has_metric("solver_ws_connections_total 1"));
  // Each connection gets a fresh challenge.
  auto other = d.connect();
  auto second = other->read();
  REQUIRE(second);
  CHECK((*second)["nonce"] != nonce);
}

TEST_CASE("a wrong key, an unknown id or a bad first frame is closed with "
          "1008 and counted") {
  temp_dir dir;
  solver_daemon d{dir};
  auto refused = [&](auto answer) {
    auto c = d.connect();
    auto challenge = c->read();
    REQUIRE(challenge);
    c->send(answer((*challenge)["nonce"].template get<std::string>()));
    CHECK_FALSE(c->read());
    return c->close_code();
  };
  // beta's key does not prove acme.
  CHECK(refused([&](const std::string& nonce) {
          return auth_for("acme", d.beta, nonce).dump();
        }) == 1008);
  // A signature of another nonce.
  CHECK(refused([&](const std::string&) {
          return auth_for("acme", d.acme, std::string(64, '0')).dump();
        }) == 1008);
  CHECK(refused([&](const std::string& nonce) {
          return auth_for("zed", d.acme, nonce).dump();
        }) == 1008);
  CHECK(refused([](const std::string&) { return std::string{"not json"}; }) ==
        1008);
  CHECK(refused([](const std::string&) {
          return json{{"type", "quote"}}.dump();
        }) == 1008);
  CHECK(d.registry().connected().empty());
  CHECK(d.has_metric(
      "solver_ws_auth_failures_total{reason=\"bad_signature\"} 2"));
  CHECK(d.has_metric(
      "solver_ws_auth_failures_total{reason=\"unknown_solver\"} 1"));
  CHECK(d.has_metric("solver_ws_auth_failures_total{reason=\"bad_frame\"} 2"));
  CHECK(d.has_metric("external_solvers_connected 0"));
}

TEST_CASE("a connection silent past the auth deadline is closed with 1008") {
  temp_dir dir;
  solver_daemon d{dir, 100ms};
  auto c = d.connect();
  REQUIRE(c->read()); // the challenge
  CHECK_FALSE(c->read());
  CHECK(c->close_code() == 1008);
  CHECK(d.has_metric("solver_ws_auth_failures_total{reason=\"timeout\"} 1"));
  // An answer in time is not cut off by the deadline: once a connection
  // opened after it has timed out, the authenticated one still works.
  auto ok = d.sign_in("acme", d.acme);
  auto late = d.connect();
  REQUIRE(late->read());
  CHECK_FALSE(late->read());
  CHECK(d.registry().is_connected("acme"));
  ok->send(std::string{"{}"});
  auto answer = ok->read();
  REQUIRE(answer);
  CHECK((*answer)["type"] == "error");
}

TEST_CASE("a second connection of one solver replaces the first") {
  temp_dir dir;
  solver_daemon d{dir};
  auto first = d.sign_in("acme", d.acme);
  auto second = d.sign_in("acme", d.acme);
  CHECK_FALSE(first->read());
  CHECK(first->close_code() == 4000);
  CHECK(d.registry().connected() == strings{"acme"});
  CHECK(d.has_metric("external_solvers_connected 1"));
  // Frames for acme go to the new connection.
  REQUIRE(d.registry().send("acme", R"({"type":"ping-test"})"));
  auto got = second->read();
  REQUIRE(got);
  CHECK(*got == json{{"type", "ping-test"}});
  // The first one's end does not take the second out of the registry.
  CHECK(d.registry().is_connected("acme"));
}

TEST_CASE("after ready, bad frames get an error frame and the connection "
          "stays") {
  temp_dir dir;
  solver_daemon d{dir};
  auto c = d.sign_in("beta", d.beta);
  auto error_code = [&](const std::string& frame) {
    c->send(frame);
    auto answer = c->read();
    REQUIRE(answer);
    CHECK((*answer)["type"] == "error");
    CHECK((*answer)["message"].is_string());
    return (*answer)["code"].get<std::string>();
  };
  CHECK(error_code("{not json") == "invalid_json");
  CHECK(error_code("[1,2]") == "invalid_message");
  CHECK(error_code(R"({"type":7})") == "invalid_message");
  CHECK(error_code(R"({"type":"bid"})") == "unknown_type");
  CHECK(error_code(R"({"type":"auth","solver_id":"beta","signature":"00"})") ==
        "already_authenticated");
  CHECK(d.registry().connected() == strings{"beta"});
  REQUIRE(d.registry().send("beta", R"({"type":"hello"})"));
  auto still = c->read();
  REQUIRE(still);
  CHECK((*still)["type"] == "hello");
}

TEST_CASE("the registry hands quote frames to its handler and sends frames") {
  temp_dir dir;
  solver_daemon d{dir};
  std::mutex mu;
  std::vector<received_quote> quotes;
  d.registry().on_quote([&](received_quote f) {
    std::lock_guard<std::mutex> lock(mu);
    quotes.push_back(std::move(f));
  });
  auto acme = d.sign_in("acme", d.acme);
  auto beta = d.sign_in("beta", d.beta);
  CHECK(d.registry().connected() == strings{"acme", "beta"});
  const std::string quote =
      R"({"type":"quote","request_id":"r1","intent_id":"i1",)"
      R"("output_amount":"10","fee":"0","valid_until":"2030-01-01T00:00:00Z",)"
      R"("signature":"ab"})";
  auto before = wall_clock_now();
  beta->send(quote);
  REQUIRE(d.eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !quotes.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(quotes.size() == 1);
    CHECK(quotes[0].solver_id == "beta");
    CHECK(quotes[0].text == quote);
    CHECK(quotes[0].received_at >= before);
  }
  // To one solver only.
  REQUIRE(d.registry().send("acme", R"({"type":"quote_request"})"));
  auto got = acme->read();
  REQUIRE(got);
  CHECK((*got)["type"] == "quote_request");
  CHECK_FALSE(d.registry().send("zed", "{}"));
  CHECK(d.has_metric("solver_ws_frames_total{direction=\"received\"} 3"));
  // Two challenges, two ready, one quote_request.
  CHECK(d.has_metric("solver_ws_frames_total{direction=\"sent\"} 5"));
  // A solver that leaves is no longer listed.
  acme->close();
  CHECK(d.eventually(
      [&] { return d.registry().connected() == strings{"beta"}; }));
  CHECK(d.has_metric("external_solvers_connected 1"));
  d.registry().on_quote({});
}

TEST_CASE("GET /api/v1/solver-ws without an upgrade is 426; stop closes "
          "solvers with 1001") {
  temp_dir dir;
  solver_daemon d{dir};
  auto res = request(d.port, verb::get, solver_path);
  CHECK(res.status == 426);
  auto c = d.sign_in("acme", d.acme);
  std::thread stopper([&] { d.server->stop(2s); });
  CHECK_FALSE(c->read());
  stopper.join();
  CHECK(c->close_code() == 1001);
  CHECK(d.registry().connected().empty());
}

TEST_CASE("GET /api/v1/solvers and /metrics show the external solvers, "
          "connected or not, with their quotes") {
  temp_dir dir;
  solver_daemon d{dir};
  auto acme = d.sign_in("acme", d.acme);
  auto listed = [&] {
    return request(d.port, verb::get, "/api/v1/solvers").json()["solvers"];
  };
  auto row = [&](const std::string& id) {
    for (auto& s : listed())
      if (s["solver_id"] == id)
        return s;
    FAIL("no row for " << id);
    return json{};
  };
  auto all = listed();
  REQUIRE(all.size() >= 3);
  CHECK(all[0]["kind"] == "builtin");
  CHECK(all[0]["connected"] == true);
  CHECK(all[all.size() - 2]["solver_id"] == "acme");
  CHECK(all[all.size() - 1]["solver_id"] == "beta");
  auto a = row("acme");
  CHECK(a["kind"] == "external");
  CHECK(a["connected"] == true);
  CHECK(a["healthy"] == true);
  CHECK(a["asked"] == 0);
  CHECK(a["resting_until"].is_null());
  CHECK(row("beta")["connected"] == false);
  CHECK(d.has_metric("solver_connected{solver_id=\"acme\"} 1"));
  CHECK(d.has_metric("solver_connected{solver_id=\"beta\"} 0"));
  CHECK(d.has_metric("solver_quotes_asked_total{solver_id=\"beta\"} 0"));

  // An intent: acme is asked and answers with a quote beta's key signed.
  REQUIRE(request(d.port, verb::post, "/api/v1/intents", swap_body("sw-1"))
              .status == 202);
  auto asked = acme->read();
  REQUIRE(asked);
  REQUIRE((*asked)["type"] == "quote_request");
  solver_quote q{(*asked)["request_id"],
                 "sw-1",
                 "20",
                 "0",
                 format_rfc3339(wall_clock_now() + 60'000'000),
                 {}};
  q.signature = sign_quote(q, d.beta);
  acme->send(json{{"type", "quote"},
                  {"request_id", q.request_id},
                  {"intent_id", q.intent_id},
                  {"output_amount", q.output_amount},
                  {"fee", q.fee},
                  {"valid_until", q.valid_until},
                  {"signature", q.signature}});
  auto refused = acme->read();
  REQUIRE(refused);
  CHECK((*refused)["code"] == "bad_signature");
  a = row("acme");
  CHECK(a["asked"] == 1);
  CHECK(a["answered"] == 1);
  CHECK(a["valid"] == 0);
  CHECK(a["won"] == 0);
  CHECK(a["rejected"] == json{{"bad_signature", 1}});
  CHECK(d.has_metric("solver_quotes_asked_total{solver_id=\"acme\"} 1"));
  CHECK(d.has_metric("solver_quotes_answered_total{solver_id=\"acme\"} 1"));
  CHECK(d.has_metric("solver_quotes_rejected_total{solver_id=\"acme\","
                     "reason=\"bad_signature\"} 1"));
}

TEST_CASE("after the start a quote request waits until every configured "
          "solver is connected, then goes to all of them") {
  temp_dir dir;
  // A grace far longer than the test: only the connections release it.
  solver_daemon d{dir, 5s, 60'000};
  auto acme = d.sign_in("acme", d.acme);
  REQUIRE(request(d.port, verb::post, "/api/v1/intents", swap_body("sw-1"))
              .status == 202);
  // beta's first frame after the challenge is still `ready`, then the
  // request that waited for it.
  auto beta = d.sign_in("beta", d.beta);
  auto to_beta = beta->read();
  auto to_acme = acme->read();
  REQUIRE(to_beta);
  REQUIRE(to_acme);
  CHECK((*to_beta)["type"] == "quote_request");
  CHECK((*to_beta)["intent_id"] == "sw-1");
  CHECK((*to_acme)["request_id"] == (*to_beta)["request_id"]);
}

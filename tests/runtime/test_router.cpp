// The router called directly over a fake engine: its table, dispatch,
// 404/405 and the labels /metrics shows.

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/runtime/http_fixture.hpp"
#include "tests/runtime/router_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

nlohmann::json json_of(const http_reply& rep) {
  return nlohmann::json::parse(rep.body);
}

std::string error_code(const http_reply& rep) {
  return json_of(rep)["error"]["code"].get<std::string>();
}

std::string error_message(const http_reply& rep) {
  return json_of(rep)["error"]["message"].get<std::string>();
}

/// `pattern` with each `{name}` replaced by `value`.
std::string fill(std::string_view pattern, const std::string& value) {
  std::string out;
  while (!pattern.empty()) {
    auto open = pattern.find('{');
    out += pattern.substr(0, open);
    if (open == std::string_view::npos)
      break;
    out += value;
    pattern.remove_prefix(pattern.find('}', open) + 1);
  }
  return out;
}

cfg::config with_admin_key() {
  cfg::config c;
  c.security.admin_api_keys = {"admin-key"};
  return c;
}

} // namespace

TEST_CASE("route templates never carry raw ids") {
  CHECK(route_template("/api/v1/intents") == "/api/v1/intents");
  CHECK(route_template("/api/v1/intents?user=alice") == "/api/v1/intents");
  CHECK(route_template("/api/v1/intents/abc-123") == "/api/v1/intents/{id}");
  CHECK(route_template("/api/v1/intents/abc/cancel") ==
        "/api/v1/intents/{id}/cancel");
  CHECK(route_template("/api/v1/intents/by-tx/0xff") ==
        "/api/v1/intents/by-tx/{hash}");
  CHECK(route_template("/api/v1/dead-letters/x/retry") ==
        "/api/v1/dead-letters/{id}/retry");
  CHECK(route_template("/api/v1/dead-letters/x") ==
        "/api/v1/dead-letters/{id}");
  CHECK(route_template("/metrics") == "/metrics");
  CHECK(route_template("/readyz") == "/readyz");
  CHECK(route_template("/api/v1/ws") == "/api/v1/ws");
  CHECK(route_template("/wp-admin/x") == "other");
  CHECK(route_template("/api/v1/intents/a/b/c") == "other");
  CHECK(route_template("/api/v1/accounts/carol.near/keys") ==
        "/api/v1/accounts/{account}/keys");
}

TEST_CASE("a target is split into decoded segments and its query once") {
  auto t = parse_target("/api/v1/intents/a%2Fb/cancel?x=1&y=%zz");
  CHECK(t.path == "/api/v1/intents/a%2Fb/cancel");
  CHECK(t.query == "x=1&y=%zz");
  CHECK(t.segments ==
        std::vector<std::string>{"api", "v1", "intents", "a/b", "cancel"});
  CHECK(t.well_formed);
  CHECK_FALSE(parse_target("/api/v1/intents/%zz").well_formed);
  CHECK(parse_target("*").segments.empty());
  CHECK(parse_target("/").segments == std::vector<std::string>{""});
}

TEST_CASE("the route table holds every endpoint, one row per method") {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& r : http_router::routes())
    rows.emplace_back(r.method, r.pattern);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"GET", "/healthz"},
      {"GET", "/readyz"},
      {"GET", "/metrics"},
      {"GET", "/api/v1/intents"},
      {"POST", "/api/v1/intents"},
      {"GET", "/api/v1/intents/by-tx/{hash}"},
      {"GET", "/api/v1/intents/{id}"},
      {"POST", "/api/v1/intents/{id}/cancel"},
      {"GET", "/api/v1/dead-letters"},
      {"DELETE", "/api/v1/dead-letters/{id}"},
      {"POST", "/api/v1/dead-letters/{id}/retry"},
      {"POST", "/api/v1/accounts/{account}/keys"},
      {"GET", "/api/v1/solvers"},
      {"GET", "/api/v1/cluster"},
      {"GET", "/api/v1/ws"},
      {"GET", "/api/v1/solver-ws"},
  };
  CHECK(rows == expected);
  // The WebSocket upgrades are taken by the session, not by a handler.
  for (const auto& r : http_router::routes())
    CHECK_MESSAGE((r.handler != nullptr) ==
                      (r.pattern != websocket_route &&
                       r.pattern != solver_websocket_route),
                  r.pattern);
}

TEST_CASE("every route is counted in /metrics under its own pattern") {
  for (const auto& r : http_router::routes()) {
    if (!r.handler)
      continue;
    CAPTURE(r.method);
    CAPTURE(r.pattern);
    router_fixture f;
    std::string body;
    if (r.pattern == "/api/v1/intents" && r.method == "POST")
      body = swap_body("m-1");
    if (r.pattern == "/api/v1/accounts/{account}/keys")
      body = R"({"public_key":"ab"})";
    auto rep = f.call(std::string{r.method}, fill(r.pattern, "m-1"), body);
    CHECK(rep.status != 405);
    if (rep.status == 404)
      CHECK(error_message(rep).rfind("No route", 0) != 0);
    CHECK(f.metrics().find(request_count(r.method, r.pattern, rep.status)) !=
          std::string::npos);
  }
}

TEST_CASE("POST /api/v1/accounts/{account}/keys is labelled by its pattern") {
  router_fixture f;
  auto rep = f.call("POST", "/api/v1/accounts/carol.near/keys",
                    R"({"public_key":"ab"})");
  auto text = f.metrics();
  CHECK(text.find(request_count("POST", "/api/v1/accounts/{account}/keys",
                                rep.status)) != std::string::npos);
  CHECK(text.find("route=\"other\"") == std::string::npos);
  CHECK(text.find("carol.near") == std::string::npos);
}

TEST_CASE("each route reaches its handler") {
  router_fixture f;
  auto health = f.call("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(json_of(health)["status"] == "ok");
  auto ready = f.call("GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK(json_of(ready)["checks"]["engine"]["ok"] == true);
  auto metrics = f.call("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(header_of(metrics, "Content-Type").rfind("text/plain", 0) == 0);

  auto created = f.call("POST", "/api/v1/intents", swap_body("r-1"));
  CHECK(created.status == 202);
  CHECK(header_of(created, "Location") == "/api/v1/intents/r-1");
  REQUIRE(f.call("POST", "/api/v1/intents", swap_body("r-2")).status == 202);

  auto listed = f.call("GET", "/api/v1/intents?limit=1");
  CHECK(listed.status == 200);
  CHECK(json_of(listed)["items"].size() == 1);
  CHECK(f.call("GET", "/api/v1/intents?limit=0").status == 400);

  auto one = f.call("GET", "/api/v1/intents/r-1");
  CHECK(one.status == 200);
  CHECK(json_of(one)["id"] == "r-1");
  CHECK(f.call("HEAD", "/api/v1/intents/r-1").status == 200);
  // The query reaches the handler: a read by id takes none.
  CHECK(f.call("GET", "/api/v1/intents/r-1?x=1").status == 400);
  auto unknown = f.call("GET", "/api/v1/intents/r-9");
  CHECK(unknown.status == 404);
  CHECK(error_message(unknown) == "no intent r-9"); // the engine's answer

  f.eng.with_record("r-1", [](intent_record& r) {
    r.execution.transactions.push_back({"0xabc", "sim", "success"});
  });
  auto by_tx = f.call("GET", "/api/v1/intents/by-tx/0xabc");
  CHECK(by_tx.status == 200);
  CHECK(json_of(by_tx)["id"] == "r-1");

  auto cancelled = f.call("POST", "/api/v1/intents/r-1/cancel");
  CHECK(cancelled.status == 200);
  CHECK(json_of(cancelled)["status"] == "cancelled");

  f.eng.with_record("r-2", [](intent_record& r) {
    r.dead_letter = true;
    r.status = intent_status::failed;
  });
  auto letters = f.call("GET", "/api/v1/dead-letters");
  CHECK(letters.status == 200);
  REQUIRE(json_of(letters)["items"].size() == 1);
  CHECK(json_of(letters)["items"][0]["id"] == "r-2");
  auto retried = f.call("POST", "/api/v1/dead-letters/r-2/retry");
  CHECK(retried.status == 200);
  CHECK(json_of(retried)["status"] == "pending");
  f.eng.with_record("r-2", [](intent_record& r) { r.dead_letter = true; });
  auto purged = f.call("DELETE", "/api/v1/dead-letters/r-2");
  CHECK(purged.status == 200);
  CHECK(json_of(purged)["id"] == "r-2");
  CHECK(f.call("GET", "/api/v1/intents/r-2").status == 404);

  auto key = f.call("POST", "/api/v1/accounts/carol.near/keys",
                    R"({"public_key":"ab"})");
  CHECK(key.status == 201);
  CHECK(json_of(key)["account"] == "carol.near");
  CHECK(f.call("POST", "/api/v1/accounts/carol.near/keys",
               R"({"public_key":"ab"})")
            .status == 200);
  CHECK(f.call("POST", "/api/v1/accounts/dave.near/keys",
               R"({"public_key":"ab"})")
            .status == 403);

  auto solvers = f.call("GET", "/api/v1/solvers");
  CHECK(solvers.status == 200);
  CHECK(json_of(solvers)["solvers"][0]["solver_id"] == "solver-1");
}

TEST_CASE("unknown paths are 404 under other; known ones 405 with Allow") {
  router_fixture f;
  for (auto path : {"/nope", "/", "/api/v1/intents/a/b/c", "/api/v2/intents",
                    "/healthz/", "/metric"}) {
    CAPTURE(path);
    auto rep = f.call("GET", path);
    CHECK(rep.status == 404);
    CHECK(error_code(rep) == "not_found");
    CHECK(error_message(rep) == "No route for GET " + std::string{path} + ".");
  }
  CHECK(f.call("GET", "*").status == 404);
  CHECK(f.metrics().find("http_requests_total{method=\"GET\",route=\"other\","
                         "code=\"404\"} 7\n") != std::string::npos);

  struct wrong {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (auto w : std::vector<wrong>{
           {"DELETE", "/api/v1/intents", "GET, HEAD, POST"},
           {"GET", "/api/v1/intents/x/cancel", "POST"},
           {"HEAD", "/api/v1/intents/x/cancel", "POST"},
           {"POST", "/healthz", "GET, HEAD"},
           {"PUT", "/metrics", "GET, HEAD"},
           {"POST", "/api/v1/intents/x", "GET, HEAD"},
           {"GET", "/api/v1/dead-letters/x", "DELETE"},
           {"DELETE", "/api/v1/dead-letters", "GET, HEAD"},
           {"GET", "/api/v1/dead-letters/x/retry", "POST"},
           {"GET", "/api/v1/accounts/carol.near/keys", "POST"},
           {"POST", "/api/v1/solvers", "GET, HEAD"},
           // The first pattern that matches is the route, whatever the
           // method: by-tx before {id}/cancel.
           {"POST", "/api/v1/intents/by-tx/cancel", "GET, HEAD"},
       }) {
    CAPTURE(w.method);
    CAPTURE(w.path);
    auto rep = f.call(w.method, w.path);
    CHECK(rep.status == 405);
    CHECK(header_of(rep, "Allow") == w.allow);
    CHECK(error_code(rep) == "method_not_allowed");
    CHECK(error_message(rep) ==
          "Use " + std::string{w.allow} + " on " + w.path + ".");
  }
  auto text = f.metrics();
  CHECK(text.find(request_count("DELETE", "/api/v1/intents", 405)) !=
        std::string::npos);
  CHECK(text.find(request_count("POST", "/api/v1/intents/by-tx/{hash}", 405)) !=
        std::string::npos);
}

TEST_CASE("a method HTTP does not define is labelled other") {
  router_fixture f;
  auto rep = f.call("FROB", "/healthz");
  CHECK(rep.status == 405);
  CHECK(header_of(rep, "Allow") == "GET, HEAD");
  auto text = f.metrics();
  CHECK(text.find(request_count("other", "/healthz", 405)) !=
        std::string::npos);
  CHECK(text.find("FROB") == std::string::npos);
}

TEST_CASE("the WebSocket path is the session's: the router answers 404") {
  router_fixture f;
  // The session upgrades /api/v1/ws; an escaped spelling reaches the router.
  auto rep = f.call("GET", "/api/v1/w%73");
  CHECK(rep.status == 404);
  CHECK(error_message(rep) == "No route for GET /api/v1/w%73.");
  CHECK(f.call("POST", "/api/v1/ws").status == 404);
  CHECK(f.metrics().find(request_count("GET", "/api/v1/ws", 404)) !=
        std::string::npos);
}

TEST_CASE("a malformed %-escape in the path is 400 before any route") {
  router_fixture f;
  auto rep = f.call("GET", "/api/v1/intents/%zz");
  CHECK(rep.status == 400);
  CHECK(error_code(rep) == "bad_request");
  CHECK(f.call("DELETE", "/nowhere/%g0").status == 400);
  auto text = f.metrics();
  CHECK(text.find(request_count("GET", "/api/v1/intents/{id}", 400)) !=
        std::string::npos);
  CHECK(text.find(request_count("DELETE", "other", 400)) != std::string::npos);
}

TEST_CASE("ids in a path are checked before the engine sees them") {
  router_fixture f;
  const std::string bad = "b%20d"; // "b d": a space is not allowed in an id
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/intents/" + bad},
           {"POST", "/api/v1/intents/" + bad + "/cancel"},
           {"DELETE", "/api/v1/dead-letters/" + bad},
           {"POST", "/api/v1/dead-letters/" + bad + "/retry"},
       }) {
    const std::string& target = path; // CAPTURE cannot name a binding in C++17
    CAPTURE(target);
    auto rep = f.call(method, path);
    CHECK(rep.status == 404);
    CHECK(error_message(rep) == "No intent with id 'b d'.");
  }
  auto long_id = std::string(300, 'a');
  CHECK(error_message(f.call("GET", "/api/v1/intents/" + long_id)) ==
        "No intent with id '" + long_id + "'.");
}

TEST_CASE("admin routes answer loopback clients only, before the id check") {
  router_fixture f;
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"DELETE", "/api/v1/dead-letters/b%20d"},
           {"POST", "/api/v1/dead-letters/b%20d/retry"},
           {"POST", "/api/v1/accounts/carol.near/keys"},
       }) {
    const std::string& target = path; // as above
    CAPTURE(target);
    auto rep = f.call(method, path, R"({"public_key":"ab"})", false);
    CHECK(rep.status == 403);
    CHECK(error_code(rep) == "forbidden");
  }
  // Under security.read_access owner (the default) the dead-letter
  // listing is an admin call too.
  CHECK(f.call("GET", "/api/v1/dead-letters", {}, false).status == 403);
  CHECK(f.call("GET", "/api/v1/dead-letters", {}, true).status == 200);
}

TEST_CASE("with admin keys, admin routes want one of them") {
  router_fixture f{with_admin_key()};
  auto rep = f.call("DELETE", "/api/v1/dead-letters/x", {}, true);
  CHECK(rep.status == 401);
  CHECK(header_of(rep, "WWW-Authenticate") == "Bearer");
  CHECK(f.call("POST", "/api/v1/dead-letters/x/retry").status == 401);
  CHECK(f.call("POST", "/api/v1/accounts/carol.near/keys",
               R"({"public_key":"ab"})")
            .status == 401);
}

#include <doctest/doctest.h>

#include "tests/runtime/http_fixture.hpp"
#include "tests/runtime/raw_client.hpp"

using namespace intentd;
using namespace intentd::test;

TEST_CASE("POST /api/v1/intents: 202 with Location, then 200 for the same "
          "body") {
  server_fixture f;
  auto first =
      request(f.port(), verb::post, "/api/v1/intents", swap_body("swap-1"));
  CHECK(first.status == 202);
  CHECK(first.header("Location") == "/api/v1/intents/swap-1");
  CHECK(first.header("Content-Type") == "application/json");
  CHECK(first.header("Server") == "intentd");
  CHECK(first.json()["id"] == "swap-1");
  CHECK(first.json()["status"] == "pending");
  auto again =
      request(f.port(), verb::post, "/api/v1/intents", swap_body("swap-1"));
  CHECK(again.status == 200);
  CHECK(again.json()["id"] == "swap-1");
  CHECK(again.header("Location").empty());

  auto conflict = request(f.port(), verb::post, "/api/v1/intents",
                          swap_body("swap-1", "alice.near", "11"));
  CHECK(conflict.status == 409);
  CHECK(conflict.json()["error"]["code"] == "conflict");

  auto generated =
      request(f.port(), verb::post, "/api/v1/intents", swap_body(""));
  CHECK(generated.status == 202);
  auto id = generated.json()["id"].get<std::string>();
  CHECK(generated.header("Location") == "/api/v1/intents/" + id);
}

TEST_CASE("POST /api/v1/intents: 400 lists every bad field") {
  server_fixture f;
  nlohmann::json bad = {{"user_account", "Not An Account"},
                        {"action", "swap"},
                        {"input_token", "usdc.near"},
                        {"input_amount", "-5"},
                        {"output_token", "nope.near"},
                        {"min_output_amount", "1"},
                        {"max_slippage", 99},
                        {"expires_at", "yesterday"},
                        {"nonce", -1}};
  auto res = request(f.port(), verb::post, "/api/v1/intents", bad.dump());
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["code"] == "invalid_intent");
  auto fields = detail_fields(res);
  for (auto name : {"user_account", "input_amount", "output_token",
                    "max_slippage", "expires_at", "nonce"})
    CHECK_MESSAGE(fields.count(name) == 1, name);

  auto syntax = request(f.port(), verb::post, "/api/v1/intents", "{\"a\":");
  CHECK(syntax.status == 400);
  CHECK(detail_fields(syntax).count("body") == 1);
}

TEST_CASE("POST /api/v1/intents: 413 past body_limit, 415 unless JSON") {
  server_fixture f;
  std::string big(4096, ' ');
  big.front() = '{';
  big.back() = '}';
  http_client client{f.port()};
  auto res = client.send(verb::post, "/api/v1/intents", big);
  CHECK(res.status == 413);
  CHECK(res.json()["error"]["code"] == "payload_too_large");
  CHECK_FALSE(res.keep_alive);

  auto text = request(f.port(), verb::post, "/api/v1/intents", swap_body("t-1"),
                      "text/plain");
  CHECK(text.status == 415);
  CHECK(text.json()["error"]["code"] == "unsupported_media_type");
  auto charset = request(f.port(), verb::post, "/api/v1/intents",
                         swap_body("t-1"), "Application/JSON; charset=utf-8");
  CHECK(charset.status == 202);
}

TEST_CASE("engine problems map to HTTP statuses") {
  server_fixture f;
  struct row {
    errc code;
    unsigned status;
    bool retry_after;
  };
  for (auto r :
       {row{errc::overloaded, 503, true},
        row{errc::storage_unavailable, 503, true},
        row{errc::rate_limited, 429, true}, row{errc::timeout, 504, false},
        row{errc::internal, 500, false}}) {
    f.eng.fail_next_submit(problem{r.code, "no", {}});
    auto res =
        request(f.port(), verb::post, "/api/v1/intents", swap_body("m-1"));
    CHECK(res.status == r.status);
    CHECK(res.json()["error"]["code"] == to_string(r.code));
    CHECK((res.header("Retry-After") == "1") == r.retry_after);
  }
}

TEST_CASE("unknown routes are 404 JSON; wrong methods are 405 with Allow") {
  server_fixture f;
  auto missing = request(f.port(), verb::get, "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.json()["error"]["code"] == "not_found");
  CHECK(request(f.port(), verb::get, "/api/v1/intents/none").status == 404);
  CHECK(request(f.port(), verb::get, "/api/v1/intents/b%20d").status == 404);
  CHECK(request(f.port(), verb::get, "/metric").status == 404);

  auto wrong = request(f.port(), verb::delete_, "/api/v1/intents");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "GET, HEAD, POST");
  CHECK(wrong.json()["error"]["code"] == "method_not_allowed");
  auto cancel = request(f.port(), verb::get, "/api/v1/intents/x/cancel");
  CHECK(cancel.status == 405);
  CHECK(cancel.header("Allow") == "POST");
}

TEST_CASE("GET one intent, by transaction, and pages of a listing") {
  server_fixture f;
  for (auto id : {"a-1", "a-2", "a-3"})
    REQUIRE(request(f.port(), verb::post, "/api/v1/intents", swap_body(id))
                .status == 202);
  REQUIRE(request(f.port(), verb::post, "/api/v1/intents",
                  swap_body("b-1", "bob.near"))
              .status == 202);
  auto one = request(f.port(), verb::get, "/api/v1/intents/a-2");
  CHECK(one.status == 200);
  CHECK(one.json()["user_account"] == "alice.near");

  f.eng.with_record("a-2", [](intent_record& r) {
    r.execution.transactions.push_back({"0xabc", "sim", "success"});
  });
  auto tx = request(f.port(), verb::get, "/api/v1/intents/by-tx/0xabc");
  CHECK(tx.status == 200);
  CHECK(tx.json()["id"] == "a-2");
  CHECK(request(f.port(), verb::get, "/api/v1/intents/by-tx/0xdef").status ==
        404);

  auto page1 =
      request(f.port(), verb::get, "/api/v1/intents?user=alice%2Enear&limit=2");
  REQUIRE(page1.status == 200);
  auto p1 = page1.json();
  REQUIRE(p1["items"].size() == 2);
  CHECK(p1["items"][0]["id"] == "a-3");
  CHECK(p1["items"][1]["id"] == "a-2");
  REQUIRE(p1["next_cursor"].is_string());
  auto page2 = request(f.port(), verb::get,
                       "/api/v1/intents?user=alice.near&limit=2&cursor=" +
                           p1["next_cursor"].get<std::string>());
  auto p2 = page2.json();
  REQUIRE(p2["items"].size() == 1);
  CHECK(p2["items"][0]["id"] == "a-1");
  CHECK(p2["next_cursor"].is_null());

  auto pending = request(f.port(), verb::get, "/api/v1/intents?status=pending");
  CHECK(pending.json()["items"].size() == 4);
}

TEST_CASE("GET /api/v1/intents rejects a bad status and limit together") {
  server_fixture f;
  auto res =
      request(f.port(), verb::get, "/api/v1/intents?status=done&limit=0");
  CHECK(res.status == 400);
  CHECK(res.json()["error"]["code"] == "bad_request");
  CHECK(detail_fields(res) == std::set<std::string>{"status", "limit"});
  CHECK(request(f.port(), verb::get, "/api/v1/intents?limit=abc").status ==
        400);
  CHECK(request(f.port(), verb::get, "/api/v1/intents?cursor=zz").status ==
        400);
}

TEST_CASE("cancel: 200, then 409 once terminal, 404 when unknown") {
  server_fixture f;
  REQUIRE(request(f.port(), verb::post, "/api/v1/intents", swap_body("c-1"))
              .status == 202);
  auto ok = request(f.port(), verb::post, "/api/v1/intents/c-1/cancel");
  CHECK(ok.status == 200);
  CHECK(ok.json()["status"] == "cancelled");
  auto again = request(f.port(), verb::post, "/api/v1/intents/c-1/cancel");
  CHECK(again.status == 409);
  CHECK(again.json()["error"]["code"] == "not_cancellable");
  CHECK(request(f.port(), verb::post, "/api/v1/intents/zz/cancel").status ==
        404);
}

TEST_CASE("dead letters, solvers, healthz and readyz") {
  server_fixture f;
  REQUIRE(request(f.port(), verb::post, "/api/v1/intents", swap_body("d-1"))
              .status == 202);
  f.eng.with_record("d-1", [](intent_record& r) {
    r.dead_letter = true;
    r.status = intent_status::failed;
  });
  auto dl = request(f.port(), verb::get, "/api/v1/dead-letters?limit=10");
  CHECK(dl.status == 200);
  CHECK(dl.json()["items"].size() == 1);
  CHECK(request(f.port(), verb::get, "/api/v1/dead-letters?limit=-1").status ==
        400);
  auto retried =
      request(f.port(), verb::post, "/api/v1/dead-letters/d-1/retry");
  CHECK(retried.status == 200);
  CHECK(
      request(f.port(), verb::post, "/api/v1/dead-letters/d-1/retry").status ==
      409);
  CHECK(request(f.port(), verb::post, "/api/v1/dead-letters/x/retry").status ==
        404);

  auto solvers = request(f.port(), verb::get, "/api/v1/solvers").json();
  REQUIRE(solvers["solvers"].size() == 1);
  CHECK(solvers["solvers"][0]["solver_id"] == "solver-1");
  CHECK(solvers["solvers"][0]["success_rate"] == 0.75);
  CHECK(solvers["solvers"][0]["healthy"] == true);
  CHECK_FALSE(solvers["solvers"][0].contains("node"));

  // A single node has no cluster to show.
  auto alone = request(f.port(), verb::get, "/api/v1/cluster");
  CHECK(alone.status == 404);
  CHECK(alone.json()["error"]["code"] == "not_found");

  CHECK(request(f.port(), verb::get, "/healthz").json()["status"] == "ok");
  CHECK(request(f.port(), verb::get, "/readyz").json()["status"] == "ready");
  f.eng.set_ready(false);
  auto not_ready = request(f.port(), verb::get, "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.json()["status"] == "not_ready");
  CHECK(not_ready.json()["checks"]["engine"]["ok"] == false);
}

TEST_CASE("GET /metrics counts requests by route template, never raw ids") {
  server_fixture f;
  CHECK(request(f.port(), verb::get, "/api/v1/intents/secret-id").status ==
        404);
  CHECK(request(f.port(), verb::post, "/api/v1/intents", "{}").status == 400);
  auto m = request(f.port(), verb::get, "/metrics");
  CHECK(m.status == 200);
  CHECK(m.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(m.body.find("http_requests_total{method=\"GET\",route=\"/api/v1/"
                    "intents/{id}\",code=\"404\"} 1\n") != std::string::npos);
  CHECK(m.body.find("intents_submitted_total{type=\"unknown\",status="
                    "\"invalid_intent\"} 1\n") != std::string::npos);
  CHECK(m.body.find("secret-id") == std::string::npos);
  CHECK(request(f.port(), verb::post, "/metrics").status == 405);
}

TEST_CASE("GET /metrics labels a method HTTP does not define as other") {
  server_fixture f;
  for (auto method : {"FROB1", "FROB2"}) {
    raw_client c{f.port()};
    c.send(std::string{method} + " /healthz HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n");
    auto answers = split_responses(c.read_all());
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 405);
  }
  auto m = request(f.port(), verb::get, "/metrics");
  CHECK(m.body.find("FROB") == std::string::npos);
  CHECK(m.body.find("http_requests_total{method=\"other\",route=\"/healthz\","
                    "code=\"405\"} 2\n") != std::string::npos);
}

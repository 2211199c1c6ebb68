#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "loopback_daemon.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "tests/runtime/http_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using json = nlohmann::json;

namespace {

const std::string some_key(64, 'a');
const std::string some_signature(128, 'b');

json transfer(const std::string& id) {
  return {{"id", id},
          {"user_account", "alice.near"},
          {"action", "transfer"},
          {"input_token", "usdc.near"},
          {"input_amount", "1"},
          {"recipient", "bob.near"}};
}

json swap(const std::string& id) {
  return {{"id", id},
          {"user_account", "alice.near"},
          {"action", "swap"},
          {"input_token", "usdc.near"},
          {"input_amount", "10"},
          {"output_token", "wrap.near"},
          {"min_output_amount", "1"}};
}

std::string code_of(const http_response& r) {
  return r.json()["error"].value("code", "");
}

// The cancellation bodies that carry part of a signature, with the field
// each one is refused for.
const std::pair<std::string, std::string> incomplete_cancels[] = {
    {json{{"public_key", some_key}}.dump(), "signature"},
    {json{{"public_key", some_key}, {"signature", ""}}.dump(), "signature"},
    {json{{"signature", some_signature}}.dump(), "public_key"},
    {json{{"public_key", ""}, {"signature", some_signature}}.dump(),
     "public_key"},
    {json{{"signature", ""}}.dump(), "public_key"},
    {json{{"public_key", ""}}.dump(), "public_key"},
};

} // namespace

TEST_CASE("a cancel body with part of a signature is a 400 and cancels "
          "nothing") {
  server_fixture f;
  REQUIRE(request(f.port(), verb::post, "/api/v1/intents", swap_body("c-1"))
              .status == 202);
  const std::string path = "/api/v1/intents/c-1/cancel";
  for (const auto& [body, field] : incomplete_cancels) {
    const std::string& sent = body; // CAPTURE cannot name a binding in C++17
    CAPTURE(sent);
    auto r = request(f.port(), verb::post, path, body);
    CHECK(r.status == 400);
    CHECK(code_of(r) == "bad_request");
    CHECK(detail_fields(r).count(field) == 1);
  }
  auto key_only = request(f.port(), verb::post, path,
                          json{{"public_key", some_key}}.dump());
  CHECK(key_only.json()["error"]["details"] ==
        json::array({{{"field", "signature"},
                      {"problem", "is required with a public_key"}}}));

  // The rest of the body is checked as before, and a repeated key is
  // refused rather than resolved.
  for (const std::string& body :
       {std::string{R"({"public_key":"a","public_key":"b","signature":"c"})"},
        std::string{R"({"reason":"changed my mind"})"}, std::string{"[]"},
        std::string{"{"}, std::string{R"({"public_key":1,"signature":"c"})"}}) {
    CAPTURE(body);
    CHECK(request(f.port(), verb::post, path, body).status == 400);
  }
  CHECK(request(f.port(), verb::get, "/api/v1/intents/c-1").json()["status"] ==
        "pending");

  // `{}` carries no signature at all: the same as no body.
  auto ok = request(f.port(), verb::post, path, "{}");
  CHECK(ok.status == 200);
  CHECK(ok.json()["status"] == "cancelled");
}

TEST_CASE("an unsigned server refuses foreign fields and keys without "
          "signatures") {
  temp_dir dir;
  loopback_daemon d;
  d.config = loopback_config(dir, 60'000); // blocks of a minute: it stays
  d.config.rate_limits.enabled = false;    // pending
  d.start();
  auto submit = [&](const json& body) {
    return request(d.port, verb::post, "/api/v1/intents", body.dump());
  };
  auto refused_for = [&](const json& body, const std::string& field) {
    auto r = submit(body);
    CHECK(r.status == 400);
    CHECK(code_of(r) == "invalid_intent");
    CHECK(detail_fields(r) == std::set<std::string>{field});
  };

  json body = transfer("t-1");
  body["max_slippage"] = "1";
  refused_for(body, "max_slippage");
  body = transfer("t-1");
  body["output_token"] = "wrap.near";
  refused_for(body, "output_token");
  body = transfer("t-1");
  body["action"] = "stake";
  body["min_output_amount"] = "1";
  refused_for(body, "min_output_amount");
  body = swap("s-1");
  body["recipient"] = "carol.near";
  refused_for(body, "recipient");
  body = transfer("t-1");
  body["public_key"] = some_key;
  refused_for(body, "public_key");
  CHECK(request(d.port, verb::get, "/api/v1/intents/t-1").status == 404);
  CHECK(request(d.port, verb::get, "/api/v1/intents/s-1").status == 404);

  REQUIRE(submit(transfer("c-1")).status == 202);
  const std::string path = "/api/v1/intents/c-1/cancel";
  for (const auto& [cancel_body, field] : incomplete_cancels) {
    const std::string& sent = cancel_body; // as above
    CAPTURE(sent);
    auto r = request(d.port, verb::post, path, cancel_body);
    CHECK(r.status == 400);
    CHECK(detail_fields(r).count(field) == 1);
  }
  CHECK(request(d.port, verb::get, "/api/v1/intents/c-1").json()["status"] ==
        "pending");
  auto ok = request(d.port, verb::post, path, "{}");
  CHECK(ok.status == 200);
  CHECK(ok.json()["status"] == "cancelled");
}

TEST_CASE("the signature gate checks a key that comes without a signature") {
  cfg::security open; // require_signatures: false
  signature_gate gate{open, std::make_shared<account_keys>()};
  intent in;
  in.id = "g-1";
  in.user_account = "alice.near";
  CHECK_FALSE(gate.check_submit(in)); // unsigned: let through
  in.public_key = some_key;
  auto refused = gate.check_submit(in);
  REQUIRE(refused);
  CHECK(refused->code == errc::signature_required);

  CHECK_FALSE(gate.checks_cancel(std::nullopt));
  CHECK_FALSE(gate.checks_cancel(cancel_auth{}));
  CHECK(gate.checks_cancel(cancel_auth{some_key, ""}));
  auto cancel = gate.check_cancel(in, cancel_auth{some_key, ""});
  REQUIRE(cancel);
  CHECK(cancel->code == errc::signature_required);
}

#include <doctest/doctest.h>

#include <string>

#include "tests/model/validation_helpers.hpp"

using namespace validation_test;

TEST_CASE("a valid swap is parsed into base units") {
  auto parsed = accept(swap_body());
  const intent& in = parsed.value;
  CHECK(in.id.empty());
  CHECK(in.user_account == "alice.near");
  CHECK(in.action == action_kind::swap);
  CHECK(in.input_token == "NEAR");
  CHECK(in.input_amount == 15 * pow10(23));
  CHECK(in.output_token == "USDC");
  CHECK(in.min_output_amount == 7'250'000);
  CHECK(in.max_slippage_bps == 0);
  CHECK(in.recipient.empty());
  CHECK(in.expires_at == now + validation_limits{}.default_lifetime);
  CHECK(in.nonce == 0);
  CHECK(in.signature.empty());
  CHECK(parsed.body_digest.size() == 64);
}

TEST_CASE("a fully specified swap keeps every field") {
  json body = swap_body();
  body["id"] = "my-Intent_01";
  body["max_slippage"] = 0.5;
  body["expires_at"] = "2026-11-22T10:30:00.5+00:00";
  body["nonce"] = 42;
  body["signature"] = "ed25519:abc";
  const intent in = accept(body).value;
  CHECK(in.id == "my-Intent_01");
  CHECK(in.max_slippage_bps == 50);
  CHECK(in.expires_at == now + 1800 * sec + 500'000);
  CHECK(in.nonce == 42);
  CHECK(in.signature == "ed25519:abc");
}

TEST_CASE("transfer and stake need a recipient") {
  auto in = accept(transfer_body()).value;
  CHECK(in.action == action_kind::transfer);
  CHECK(in.input_amount == 10'500'000);
  CHECK(in.recipient == "bob.near");
  CHECK(in.output_token.empty());

  json stake = transfer_body();
  stake["action"] = "stake";
  stake["recipient"] = "pool-1.poolv1.near";
  CHECK(accept(stake).value.action == action_kind::stake);

  for (const char* action : {"transfer", "stake"}) {
    json body = transfer_body();
    body["action"] = action;
    body.erase("recipient");
    CHECK(only(body) == field_problem{"recipient", "is required"});
  }
}

TEST_CASE("output fields are only for swaps") {
  json body = transfer_body();
  body["output_token"] = "NEAR";
  body["min_output_amount"] = "1";
  auto details = refuse(body);
  CHECK(details.size() == 2);
  CHECK(has(details, "output_token", "is only allowed when action is swap"));
  CHECK(
      has(details, "min_output_amount", "is only allowed when action is swap"));
}

TEST_CASE("the body digest ignores key order and whitespace") {
  auto a = parse(R"({"action":"transfer","input_token":"USDC",
    "input_amount":"10.5","recipient":"bob.near","user_account":"alice.near",
    "expires_at":"2026-11-22T11:00:00Z"})");
  auto b = parse(R"({ "expires_at" : "2026-11-22T11:00:00Z",
    "user_account":"alice.near", "recipient":"bob.near",
    "input_amount":"10.5", "input_token":"USDC", "action":"transfer" })");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->body_digest == b->body_digest);
  // sha256 of the sorted compact form.
  CHECK(a->body_digest ==
        "1738622cc6791518a472b4a86d0e0ed4aeb52bb6920cc9105ddb357ecf0d0c14");
  json other = transfer_body();
  other["input_amount"] = "10.50";
  CHECK(accept(other).body_digest != accept(transfer_body()).body_digest);
}

TEST_CASE("every bad field is listed") {
  auto details = refuse_text(R"({"user_account":"Alice","action":"swap",
    "input_token":"NEAR","input_amount":1.5,"output_token":"NEAR",
    "min_output_amount":"-3","max_slippage":75,
    "expires_at":"2026-11-22T09:00:00Z","nonce":-1,"colour":"red"})");
  CHECK(details.size() == 8);
  CHECK(has(details, "user_account",
            "must be an account id: 2 to 64 characters of a-z and 0-9, "
            "separated by single '.', '_' or '-'"));
  CHECK(has(details, "input_amount", "must be a decimal string, not a number"));
  CHECK(has(details, "output_token", "must differ from input_token"));
  CHECK(has(details, "min_output_amount", "must be a positive decimal"));
  CHECK(has(details, "max_slippage",
            "must be a percentage from 0 to 50 with "
            "at most 2 decimal places"));
  CHECK(has(details, "expires_at", "must be in the future"));
  CHECK(has(details, "nonce", "must be a non-negative integer below 2^64"));
  CHECK(has(details, "colour", "unknown field"));
}

TEST_CASE("required fields are reported when missing or null") {
  auto details = refuse_text(std::string("{}"));
  CHECK(details.size() == 4);
  for (const char* field :
       {"user_account", "action", "input_token", "input_amount"})
    CHECK(has(details, field, "is required"));

  json body = swap_body();
  body.erase("output_token");
  body.erase("min_output_amount");
  details = refuse(body);
  CHECK(details.size() == 2);
  CHECK(has(details, "output_token", "is required"));
  CHECK(has(details, "min_output_amount", "is required"));

  body = swap_body();
  body["user_account"] = nullptr;
  CHECK(only(body) == field_problem{"user_account", "is required"});
}

TEST_CASE("optional fields may be null") {
  json body = swap_body();
  for (const char* field :
       {"id", "max_slippage", "recipient", "expires_at", "nonce", "signature"})
    body[field] = nullptr;
  auto in = accept(body).value;
  CHECK(in.id.empty());
  CHECK(in.expires_at == now + validation_limits{}.default_lifetime);
}

TEST_CASE("malformed JSON is reported with its byte offset") {
  auto details = refuse_text(std::string(R"({"action": "swap",})"));
  REQUIRE(details.size() == 1);
  CHECK(details[0].field == "body");
  CHECK(details[0].problem.rfind("malformed JSON at byte 19: ", 0) == 0);

  for (const char* body : {"", "{", R"({"a" 1})", "{'a': 1}", "[1,]", "{} {}",
                           R"({"a": tru})", "\xff", R"({"a":"\xc3"})"}) {
    CAPTURE(body);
    auto d = refuse_text(std::string(body));
    REQUIRE(d.size() == 1);
    CHECK(d[0].field == "body");
    CHECK(d[0].problem.rfind("malformed JSON at byte ", 0) == 0);
  }
}

TEST_CASE("the top level must be an object") {
  for (const char* body : {"[]", "null", "42", R"("swap")", "true"}) {
    CAPTURE(body);
    auto d = refuse_text(std::string(body));
    REQUIRE(d.size() == 1);
    CHECK(d[0] == field_problem{"body", "must be a JSON object"});
  }
}

TEST_CASE("duplicate keys are reported") {
  auto details =
      refuse_text(R"({"user_account":"alice.near","action":"transfer",
    "input_token":"USDC","input_amount":"1","recipient":"bob.near",
    "input_amount":"1000","user_account":"mallory.near"})");
  CHECK(details.size() == 2);
  CHECK(has(details, "input_amount", "duplicate key"));
  CHECK(has(details, "user_account", "duplicate key"));

  details = refuse_text(R"({"user_account":"alice.near","action":"transfer",
    "input_token":"USDC","input_amount":"1","recipient":"bob.near",
    "memo":{"a":1,"a":2}})");
  CHECK(has(details, "memo.a", "duplicate key"));
  CHECK(has(details, "memo", "unknown field"));
}

TEST_CASE("deep nesting is refused") {
  std::string deep =
      R"({"signature":)" + std::string(20, '[') + std::string(20, ']') + "}";
  auto d = refuse_text(deep);
  REQUIRE(d.size() == 1);
  CHECK(d[0] == field_problem{"body", "nested deeper than 8 levels"});

  std::string bomb(100'000, '[');
  validation_limits roomy;
  roomy.max_body = 1 << 20;
  auto result = parse(bomb, roomy);
  REQUIRE_FALSE(result);
  CHECK(result.error().details.at(0).field == "body");

  json shallow = transfer_body();
  shallow["signature"] = json::parse("[[[[[[1]]]]]]");
  CHECK(only(shallow) == field_problem{"signature", "must be a string"});
}

TEST_CASE("bodies above the size limit are refused before parsing") {
  validation_limits small;
  small.max_body = 64;
  std::string body = transfer_body().dump();
  REQUIRE(body.size() > 64);
  auto result = parse(body, small);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == errc::payload_too_large);
  CHECK(result.error().details.at(0).field == "body");
  small.max_body = body.size();
  CHECK(parse(body, small));
}

TEST_CASE("wrong types are reported per field") {
  json body = swap_body();
  body["user_account"] = json::object();
  body["action"] = json::array({"swap"});
  body["input_token"] = 7;
  body["recipient"] = true;
  body["signature"] = 1;
  body["id"] = 5;
  auto details = refuse(body);
  CHECK(details.size() == 6);
  for (const char* field : {"user_account", "action", "input_token",
                            "recipient", "signature", "id"})
    CHECK(has(details, field, "must be a string"));
}

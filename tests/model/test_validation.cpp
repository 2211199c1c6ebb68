#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

using namespace intentd;
using nlohmann::json;

namespace {

constexpr time_us sec = 1'000'000;
// 2026-11-22T10:00:00Z
constexpr time_us now = 1795341600 * sec;

const token_registry tokens{{{"NEAR", 24, 5'000'000'000},
                             {"USDC", 6, 1'000'000'000},
                             {"WETH", 18, 3'000'000'000'000}}};

json swap_body() {
  return {{"user_account", "alice.near"}, {"action", "swap"},
          {"input_token", "NEAR"},        {"input_amount", "1.5"},
          {"output_token", "USDC"},       {"min_output_amount", "7.25"}};
}

json transfer_body() {
  return {{"user_account", "alice.near"},
          {"action", "transfer"},
          {"input_token", "USDC"},
          {"input_amount", "10.5"},
          {"recipient", "bob.near"}};
}

outcome<parsed_intent> parse(std::string_view body,
                             const validation_limits& limits = {}) {
  return parse_intent(body, tokens, limits, now);
}

parsed_intent accept(const json& body) {
  auto result = parse(body.dump());
  if (!result)
    for (const auto& d : result.error().details)
      MESSAGE(d.field << ": " << d.problem);
  REQUIRE(result);
  return *result;
}

// The details of a refused body.
std::vector<field_problem> refuse_text(std::string_view body) {
  auto result = parse(body);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == errc::invalid_intent);
  CHECK(result.error().message ==
        "The intent is invalid: " +
            std::to_string(result.error().details.size()) + " problem(s)");
  return result.error().details;
}

std::vector<field_problem> refuse(const json& body) {
  return refuse_text(body.dump());
}

// The single problem reported for a body.
field_problem only(const json& body) {
  auto details = refuse(body);
  REQUIRE(details.size() == 1);
  return details[0];
}

bool has(const std::vector<field_problem>& details, const std::string& field,
         const std::string& problem) {
  return std::find(details.begin(), details.end(),
                   field_problem{field, problem}) != details.end();
}

} // namespace

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
  body["recipient"] = "carol.near";
  body["expires_at"] = "2026-11-22T10:30:00.5+00:00";
  body["nonce"] = 42;
  body["signature"] = "ed25519:abc";
  const intent in = accept(body).value;
  CHECK(in.id == "my-Intent_01");
  CHECK(in.max_slippage_bps == 50);
  CHECK(in.recipient == "carol.near");
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

TEST_CASE("amounts must be decimal strings within the token's limits") {
  auto amount_problem = [](json amount) {
    json body = transfer_body();
    body["input_amount"] = std::move(amount);
    return only(body);
  };
  auto in = [](const char* problem) {
    return field_problem{"input_amount", problem};
  };
  CHECK(amount_problem(10) == in("must be a decimal string, not a number"));
  CHECK(amount_problem(10.5) == in("must be a decimal string, not a number"));
  for (const char* text : {"", "0", "0.000", "1e5", "+1", "-0", "-5", "0x10",
                           "NaN", " 1", "1.", ".5", "1,000"}) {
    CAPTURE(text);
    CHECK(amount_problem(text) == in("must be a positive decimal"));
  }
  CHECK(amount_problem("1.1234567") == in("has more than 6 decimal places"));
  CHECK(amount_problem("1000000000.000001") ==
        in("must be at most 1000000000"));
  CHECK(amount_problem(std::string(40, '9')) ==
        in("must be at most 1000000000"));
  json body = transfer_body();
  body["input_amount"] = "1000000000";
  CHECK(accept(body).value.input_amount == 1'000'000'000'000'000);
}

TEST_CASE("amounts at 24 decimals") {
  json body = swap_body();
  body["input_amount"] = "0.000000000000000000000001";
  body["min_output_amount"] = "0.000001";
  auto in = accept(body).value;
  CHECK(in.input_amount == 1);
  CHECK(in.min_output_amount == 1);
  body["input_amount"] = "999999999.999999999999999999999999";
  CHECK(format_amount(accept(body).value.input_amount, 24) ==
        "999999999.999999999999999999999999");
  body["input_amount"] = "0.0000000000000000000000001";
  CHECK(only(body) ==
        field_problem{"input_amount", "has more than 24 decimal places"});
}

TEST_CASE("tokens must be known and a swap needs two different ones") {
  json body = swap_body();
  body["output_token"] = "NEAR";
  CHECK(only(body) ==
        field_problem{"output_token", "must differ from input_token"});
  body = swap_body();
  body["input_token"] = "DOGE";
  CHECK(only(body) == field_problem{"input_token", "unknown token \"DOGE\""});
  body["input_amount"] = "abc";
  auto details = refuse(body);
  CHECK(details.size() == 2);
  CHECK(has(details, "input_amount", "must be a positive decimal"));
  body = swap_body();
  body["output_token"] = "near";
  CHECK(only(body) == field_problem{"output_token", "unknown token \"near\""});
}

TEST_CASE("action must be known") {
  json body = transfer_body();
  body["action"] = "bridge";
  CHECK(only(body) ==
        field_problem{"action", "must be one of swap, transfer, stake"});
}

TEST_CASE("max_slippage is a percentage read without floating point") {
  auto bps = [](const std::string& raw) {
    auto result = parse(R"({"user_account":"alice.near","action":"swap",
      "input_token":"NEAR","input_amount":"1","output_token":"USDC",
      "min_output_amount":"1","max_slippage":)" +
                        raw + "}");
    if (!result) {
      CHECK(result.error().details.at(0).field == "max_slippage");
      return -1;
    }
    return static_cast<int>(result->value.max_slippage_bps);
  };
  CHECK(bps("0.5") == 50);
  CHECK(bps("0.50") == 50);
  CHECK(bps("\"1.25\"") == 125);
  CHECK(bps("0.29") == 29); // 0.29 is not exact in binary
  CHECK(bps("50") == 5000);
  CHECK(bps("50.00") == 5000);
  CHECK(bps("0") == 0);
  CHECK(bps("0.0") == 0);
  CHECK(bps("\"0\"") == 0);
  for (const char* bad : {"50.01", "51", "0.001", "-1", "-0.5", "1e1", "\"\"",
                          "\"1%\"", "\"-1\"", "true", "[1]", "{}"}) {
    CAPTURE(bad);
    CHECK(bps(bad) == -1);
  }
}

TEST_CASE("expires_at must lie within the allowed lifetime") {
  auto expires = [](json value) {
    json body = transfer_body();
    body["expires_at"] = std::move(value);
    return parse(body.dump());
  };
  validation_limits limits;
  auto ok = expires(format_rfc3339(now + limits.max_lifetime));
  REQUIRE(ok);
  CHECK(ok->value.expires_at == now + limits.max_lifetime);
  CHECK(expires(format_rfc3339(now + 1)));

  auto problem_of = [&](json value) {
    auto result = expires(std::move(value));
    REQUIRE_FALSE(result);
    REQUIRE(result.error().details.size() == 1);
    CHECK(result.error().details[0].field == "expires_at");
    return result.error().details[0].problem;
  };
  CHECK(problem_of("2026-11-22T10:00:00Z") == "must be in the future");
  CHECK(problem_of("2020-01-01T00:00:00Z") == "must be in the future");
  CHECK(problem_of(format_rfc3339(now + limits.max_lifetime + 1)) ==
        "must be no later than 2026-11-29T10:00:00Z");
  CHECK(problem_of("2026-11-22 10:30:00") ==
        "must be an RFC 3339 date-time such as 2026-11-22T10:05:00Z");
  CHECK(problem_of("2026-02-30T10:30:00Z") ==
        "must be an RFC 3339 date-time such as 2026-11-22T10:05:00Z");
  CHECK(problem_of(1795343400) == "must be a string");
}

TEST_CASE("nonce is an unsigned 64-bit integer") {
  auto nonce = [](const std::string& raw) -> std::optional<uint64_t> {
    auto result = parse(R"({"user_account":"alice.near","action":"transfer",
      "input_token":"USDC","input_amount":"1","recipient":"bob.near",
      "nonce":)" + raw + "}");
    if (!result) {
      CHECK(
          result.error().details.at(0) ==
          field_problem{"nonce", "must be a non-negative integer below 2^64"});
      return std::nullopt;
    }
    return result->value.nonce;
  };
  CHECK(nonce("0") == 0u);
  CHECK(nonce("7") == 7u);
  CHECK(nonce("\"7\"") == 7u);
  CHECK(nonce("18446744073709551615") == 18446744073709551615ull);
  CHECK(nonce("\"18446744073709551615\"") == 18446744073709551615ull);
  for (const char* bad :
       {"18446744073709551616", "\"18446744073709551616\"", "-1", "1.5", "1.0",
        "1e3", "\"\"", "\"-1\"", "\"0x1\"", "\" 1\"", "true", "[]"}) {
    CAPTURE(bad);
    CHECK_FALSE(nonce(bad));
  }
}

TEST_CASE("signature and id limits") {
  json body = transfer_body();
  body["signature"] = std::string(256, 's');
  CHECK(accept(body).value.signature.size() == 256);
  body["signature"] = std::string(257, 's');
  CHECK(only(body) ==
        field_problem{"signature", "must be at most 256 characters"});

  const std::string id_problem =
      "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'";
  body = transfer_body();
  body["id"] = std::string(64, 'a');
  CHECK(accept(body).value.id == std::string(64, 'a'));
  for (std::string bad :
       {std::string(65, 'a'), std::string(), std::string("a b"),
        std::string("a.b"), std::string("a/b"), std::string("ä")}) {
    CAPTURE(bad);
    body["id"] = bad;
    CHECK(only(body) == field_problem{"id", id_problem});
  }
}

TEST_CASE("unknown top-level fields are refused") {
  json body = transfer_body();
  body["amount"] = "1";
  body["Recipient"] = "bob.near";
  auto details = refuse(body);
  CHECK(details.size() == 2);
  CHECK(has(details, "amount", "unknown field"));
  CHECK(has(details, "Recipient", "unknown field"));
}

#include <doctest/doctest.h>

#include <string>

#include "tests/model/validation_helpers.hpp"

using namespace validation_test;

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

#include <doctest/doctest.h>

#include <string>

#include "quote_helpers.hpp"
#include "runtime/model/solver_frames.hpp"

using namespace quote_test;

namespace {

constexpr const char* sig128 =
    "d5bd9fa506f2fa446e3d5caef05800e446baa0e813e976940f36eaf3ba9a93a067a31080"
    "3e9e725989e37ce3f904dad3d8199719e0702d9980a67351fa501703";

std::string quote_text(const std::string& output_amount = R"("19.75")",
                       const std::string& fee = R"("0.1")",
                       const std::string& extra = "") {
  return R"({"type":"quote","request_id":"req-1","intent_id":"swap-1",)"
         R"("output_amount":)" +
         output_amount + R"(,"fee":)" + fee +
         R"(,"valid_until":"2026-11-22T10:01:00Z","signature":")" + sig128 +
         "\"" + extra + "}";
}

/// The error code of parsing `text`; fails the test when it parses.
std::string error_of(const std::string& text) {
  auto frame = parse_solver_frame(text);
  const auto* e = std::get_if<frame_error>(&frame);
  REQUIRE_MESSAGE(e != nullptr, "parsed: " << text);
  CHECK(!e->message.empty());
  return e->code;
}

} // namespace

TEST_CASE("an auth frame parses") {
  auto frame = parse_solver_frame(
      std::string{R"({"type":"auth","solver_id":"acme","signature":")"} +
      sig128 + "\"}");
  const auto* auth = std::get_if<auth_frame>(&frame);
  REQUIRE(auth != nullptr);
  CHECK(auth->solver_id == "acme");
  CHECK(auth->signature == sig128);
}

TEST_CASE("a quote frame parses into the fields as sent") {
  auto frame = parse_solver_frame(quote_text());
  const auto* q = std::get_if<solver_quote>(&frame);
  REQUIRE(q != nullptr);
  CHECK(q->request_id == "req-1");
  CHECK(q->intent_id == "swap-1");
  CHECK(q->output_amount == "19.75");
  CHECK(q->fee == "0.1");
  CHECK(q->valid_until == "2026-11-22T10:01:00Z");
  CHECK(q->signature == sig128);
  // Field order does not matter; the text of each value is kept.
  frame = parse_solver_frame(
      std::string{R"({"signature":")"} + sig128 +
      R"(","fee":"0","valid_until":"2026-11-22T11:01:00+01:00",)"
      R"("output_amount":"019.750","intent_id":"swap-1",)"
      R"("request_id":"req-1","type":"quote"})");
  q = std::get_if<solver_quote>(&frame);
  REQUIRE(q != nullptr);
  CHECK(q->output_amount == "019.750");
  CHECK(q->fee == "0");
  CHECK(q->valid_until == "2026-11-22T11:01:00+01:00");
}

TEST_CASE("bad_json: not JSON, not an object, a duplicate key") {
  CHECK(error_of("") == "bad_json");
  CHECK(error_of("{") == "bad_json");
  CHECK(error_of("quote") == "bad_json");
  CHECK(error_of("[]") == "bad_json");
  CHECK(error_of(R"("quote")") == "bad_json");
  CHECK(error_of(R"({"type":"auth","type":"quote"})") == "bad_json");
  CHECK(error_of(quote_text(R"("19.75")", R"("0.1")", R"(,"fee":"0")")) ==
        "bad_json");
}

TEST_CASE("too_large: a frame over the limit") {
  CHECK(error_of(quote_text(R"("19.75")", R"("0.1")",
                            R"(,"x":")" + std::string(max_solver_frame, 'a') +
                                "\"")) == "too_large");
}

TEST_CASE("the type: missing, not a string, unknown") {
  CHECK(error_of(R"({"solver_id":"acme"})") == "missing_field");
  CHECK(error_of(R"({"type":7})") == "wrong_type");
  CHECK(error_of(R"({"type":null})") == "wrong_type");
  CHECK(error_of(R"({"type":"hello"})") == "unknown_type");
  CHECK(error_of(R"({"type":"quote_request"})") == "unknown_type");
  CHECK(error_of(R"({"type":"AUTH"})") == "unknown_type");
}

TEST_CASE("missing_field and unknown_field") {
  CHECK(error_of(R"({"type":"auth","solver_id":"acme"})") == "missing_field");
  CHECK(error_of(std::string{R"({"type":"auth","signature":")"} + sig128 +
                 "\"}") == "missing_field");
  CHECK(error_of(R"({"type":"quote"})") == "missing_field");
  CHECK(error_of(quote_text(R"("19.75")", R"("0.1")", R"(,"tip":"1")")) ==
        "unknown_field");
  // A field of the other frame is unknown here.
  CHECK(error_of(quote_text(R"("19.75")", R"("0.1")",
                            R"(,"solver_id":"acme")")) == "unknown_field");
}

TEST_CASE("wrong_type: a number, null, object or array where a string goes") {
  CHECK(error_of(quote_text("19.75")) == "wrong_type");
  CHECK(error_of(quote_text(R"("19.75")", "0")) == "wrong_type");
  CHECK(error_of(quote_text("null")) == "wrong_type");
  CHECK(error_of(quote_text(R"({"v":"19.75"})")) == "wrong_type");
  CHECK(error_of(quote_text(R"(["19.75"])")) == "wrong_type");
  CHECK(error_of(R"({"type":"auth","solver_id":1,"signature":"00"})") ==
        "wrong_type");
}

TEST_CASE("bad_amount: amounts that are not exact decimals") {
  for (const char* bad :
       {R"("")", R"("1e5")", R"("-1")", R"("+1")", R"("1.")", R"(".5")",
        R"(" 1")", R"("1,5")", R"("NaN")", R"("0x10")", R"("Infinity")"}) {
    CAPTURE(bad);
    CHECK(error_of(quote_text(bad)) == "bad_amount");
    CHECK(error_of(quote_text(R"("19.75")", bad)) == "bad_amount");
  }
  // Zero is no output, but a fee may be zero.
  CHECK(error_of(quote_text(R"("0")")) == "bad_amount");
  CHECK(error_of(quote_text(R"("0.000")")) == "bad_amount");
  CHECK(std::holds_alternative<solver_quote>(
      parse_solver_frame(quote_text(R"("19.75")", R"("0.00")"))));
  // Precision and size are for check_quote, which knows the token.
  CHECK(std::holds_alternative<solver_quote>(parse_solver_frame(
      quote_text(R"("1.00000000000000000000000000000000000000001")"))));
  CHECK(std::holds_alternative<solver_quote>(parse_solver_frame(
      quote_text(R"("1000000000000000000000000000000000000000000")"))));
}

TEST_CASE("bad_time: a valid_until that is not RFC 3339") {
  auto text = quote_text();
  auto at = text.find("2026-11-22T10:01:00Z");
  for (const char* bad : {"2026-11-22 10:01:00", "tomorrow", "1795341660",
                          "2026-13-22T10:01:00Z"}) {
    CAPTURE(bad);
    auto changed = text;
    changed.replace(at, 20, bad);
    CHECK(error_of(changed) == "bad_time");
  }
}

TEST_CASE("bad_hex and bad_field: signatures and ids") {
  CHECK(error_of(R"({"type":"auth","solver_id":"acme","signature":"00"})") ==
        "bad_hex");
  CHECK(error_of(R"({"type":"auth","solver_id":"acme","signature":")" +
                 std::string(128, 'x') + "\"}") == "bad_hex");
  CHECK(error_of(std::string{R"({"type":"auth","solver_id":"","signature":")"} +
                 sig128 + "\"}") == "bad_field");
  CHECK(error_of(R"({"type":"auth","solver_id":")" +
                 std::string(max_frame_id + 1, 'a') + R"(","signature":")" +
                 sig128 + "\"}") == "bad_field");
  auto text = quote_text();
  auto empty_request = text;
  empty_request.replace(text.find("req-1"), 5, "");
  CHECK(error_of(empty_request) == "bad_field");
  auto empty_intent = text;
  empty_intent.replace(text.find("swap-1"), 6, "");
  CHECK(error_of(empty_intent) == "bad_field");
}

TEST_CASE("server frames render with type first and the design's fields") {
  CHECK(render_challenge("00ff") == R"({"type":"challenge","nonce":"00ff"})");
  CHECK(render_ready("acme") == R"({"type":"ready","solver_id":"acme"})");
  CHECK(render_assigned("swap-1", "req-1") ==
        R"({"type":"assigned","intent_id":"swap-1","request_id":"req-1"})");
  CHECK(render_settled("swap-1", "0xabc", "19.75") ==
        R"({"type":"settled","intent_id":"swap-1","tx_hash":"0xabc",)"
        R"("output_amount":"19.75"})");
  CHECK(render_settlement_failed("swap-1", "insufficient_balance") ==
        R"({"type":"settlement_failed","intent_id":"swap-1",)"
        R"("reason":"insufficient_balance"})");
  CHECK(render_error(frame_error{"bad_json", "say \"hi\""}) ==
        R"({"type":"error","code":"bad_json","message":"say \"hi\""})");
}

TEST_CASE("a quote_request renders amounts in token units") {
  CHECK(render_quote_request(swap_request()) ==
        R"({"type":"quote_request","request_id":"req-1","intent_id":"swap-1",)"
        R"("action":"swap","input_token":"usdc.near","input_amount":"100",)"
        R"("output_token":"wrap.near","min_output_amount":"19.5",)"
        R"("recipient":null,"respond_within_ms":1000})");
  CHECK(render_quote_request(transfer_request(action_kind::stake)) ==
        R"({"type":"quote_request","request_id":"req-2","intent_id":"tr-1",)"
        R"("action":"stake","input_token":"usdc.near","input_amount":"10",)"
        R"("output_token":null,"min_output_amount":null,)"
        R"("recipient":"bob.near","respond_within_ms":1000})");
}

TEST_CASE("a quote_request is made from an intent and its tokens") {
  token_registry tokens{{{"usdc.near", 6, 1}, {"wrap.near", 24, 1}}};
  intent in;
  in.id = "swap-1";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 100'000'000;
  in.output_token = "wrap.near";
  in.min_output_amount = units{195} * pow10(23);
  in.recipient = "ignored.near";
  auto r = make_quote_request(in, tokens, "req-1", 1000, t0);
  REQUIRE(r);
  CHECK(render_quote_request(*r) == render_quote_request(swap_request()));
  CHECK(r->closes_at() == t0 + sec);
  CHECK(r->quoted_decimals() == 24);
  in.output_token = "nope.near";
  CHECK_FALSE(make_quote_request(in, tokens, "req-1", 1000, t0));
  in.action = action_kind::transfer;
  in.recipient = "bob.near";
  r = make_quote_request(in, tokens, "req-2", 500, t0);
  REQUIRE(r);
  CHECK(r->output_token.empty());
  CHECK(r->recipient == "bob.near");
  CHECK(r->quoted_decimals() == 6);
  CHECK(r->closes_at() == t0 + 500 * ms);
  in.input_token = "nope.near";
  CHECK_FALSE(make_quote_request(in, tokens, "req-2", 500, t0));
}

TEST_CASE("a frame that parses and re-signs is the canonical quote's") {
  // What a solver sends is what check_quote verifies: sign, send, parse.
  auto r = swap_request();
  auto q = signed_quote(r, "19.75", "0.1");
  auto frame = parse_solver_frame(
      R"({"type":"quote","request_id":"req-1","intent_id":"swap-1",)"
      R"("output_amount":"19.75","fee":"0.1",)"
      R"("valid_until":"2026-11-22T10:01:00Z","signature":")" +
      q.signature + "\"}");
  const auto* parsed = std::get_if<solver_quote>(&frame);
  REQUIRE(parsed != nullptr);
  CHECK(verify_quote_signature(*parsed, raw_key(acme_keys())));
}

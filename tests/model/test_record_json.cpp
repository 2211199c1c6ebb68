#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "runtime/model/record_json.hpp"

using namespace intentd;
using nlohmann::json;

namespace {

constexpr time_us t0 = 1'795'338'000ll * 1'000'000; // 2026-11-22T09:00:00Z
constexpr time_us deadline = 1'795'341'900ll * 1'000'000; // 10:05:00Z

token_registry test_tokens() {
  return token_registry({
      {"usdc.near", 6, pow10(9)},
      {"wrap.near", 24, 5 * pow10(9)},
  });
}

intent_record completed_swap() {
  intent_record rec;
  intent& in = rec.request;
  in.id = "swap-1";
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 100'500'000; // 100.5
  in.output_token = "wrap.near";
  in.min_output_amount = 19 * pow10(24) + 5 * pow10(23); // 19.5
  in.max_slippage_bps = 50;
  in.expires_at = deadline;
  in.nonce = 7;
  in.signature = "ed25519:abc";
  rec.status = intent_status::completed;
  rec.status_message = "Successfully completed your token swap!";
  rec.created_at = t0;
  rec.updated_at = t0 + 1'250'000;
  rec.history = {{intent_status::pending, t0},
                 {intent_status::verified, t0 + 250'000},
                 {intent_status::executing, t0 + 500'000},
                 {intent_status::completed, t0 + 1'250'000}};
  rec.execution.solver_id = "solver-1";
  rec.execution.attempts = 2;
  rec.execution.transactions = {{"0xabc", "simulated", "success"}};
  rec.execution.gas_used = 30'000;
  rec.execution.total_cost = 30'000;
  rec.execution.output_amount = 201 * pow10(23); // 20.1
  rec.seq = 4;
  rec.body_digest = "feed";
  return rec;
}

} // namespace

TEST_CASE("a completed swap has the full API shape") {
  auto expected = json::parse(R"({
    "id": "swap-1",
    "user_account": "alice.near",
    "action": "swap",
    "input_token": "usdc.near",
    "input_amount": "100.5",
    "output_token": "wrap.near",
    "min_output_amount": "19.5",
    "max_slippage": "0.5",
    "expires_at": "2026-11-22T10:05:00Z",
    "nonce": 7,
    "signature": "ed25519:abc",
    "status": "completed",
    "status_message": "Successfully completed your token swap!",
    "created_at": "2026-11-22T09:00:00Z",
    "updated_at": "2026-11-22T09:00:01.25Z",
    "seq": 4,
    "history": [
      {"status": "pending", "at": "2026-11-22T09:00:00Z"},
      {"status": "verified", "at": "2026-11-22T09:00:00.25Z"},
      {"status": "executing", "at": "2026-11-22T09:00:00.5Z"},
      {"status": "completed", "at": "2026-11-22T09:00:01.25Z"}
    ],
    "execution": {
      "solver_id": "solver-1",
      "attempts": 2,
      "transactions": [{"hash": "0xabc", "chain": "simulated",
                        "status": "success"}],
      "gas_used": 30000,
      "total_cost": "0.03",
      "output_amount": "20.1",
      "quotes": 0
    },
    "error": null,
    "dead_letter": false
  })");
  auto got = to_json(completed_swap(), test_tokens());
  CHECK(got == expected);
  CAPTURE(got.dump(2));
  CHECK_FALSE(got.contains("body_digest"));
}

TEST_CASE("a swap settled by an external solver shows its quotes, not the "
          "winning quote") {
  auto rec = completed_swap();
  rec.execution.solver_id = "acme";
  rec.execution.quotes = 2;
  rec.execution.output_amount = 205 * pow10(23); // 20.5, the quoted output
  rec.execution.quote = winning_quote{
      "req-1", "acme", "acme.near", 205 * pow10(23), 10'000, t0, "ab"};
  auto got = to_json(rec, test_tokens());
  CAPTURE(got.dump(2));
  const auto& ex = got.at("execution");
  CHECK(ex.at("quotes") == 2);
  CHECK(ex.at("solver_id") == "acme");
  CHECK(ex.at("output_amount") == "20.5");
  CHECK_FALSE(ex.contains("quote"));
  CHECK(got.dump().find("acme.near") == std::string::npos);
  CHECK(ex.size() == 7);
}

TEST_CASE("a pending transfer omits swap fields and empty values") {
  intent_record rec;
  rec.request.id = "t-1";
  rec.request.user_account = "alice.near";
  rec.request.action = action_kind::transfer;
  rec.request.input_token = "usdc.near";
  rec.request.input_amount = 5;
  rec.request.recipient = "bob.near";
  rec.request.expires_at = deadline;
  rec.created_at = t0;
  rec.updated_at = t0;
  rec.history = {{intent_status::pending, t0}};
  rec.seq = 1;
  auto expected = json::parse(R"({
    "id": "t-1",
    "user_account": "alice.near",
    "action": "transfer",
    "input_token": "usdc.near",
    "input_amount": "0.000005",
    "recipient": "bob.near",
    "expires_at": "2026-11-22T10:05:00Z",
    "nonce": 0,
    "status": "pending",
    "status_message": "Your request is being processed...",
    "created_at": "2026-11-22T09:00:00Z",
    "updated_at": "2026-11-22T09:00:00Z",
    "seq": 1,
    "history": [{"status": "pending", "at": "2026-11-22T09:00:00Z"}],
    "execution": {
      "solver_id": null,
      "attempts": 0,
      "transactions": [],
      "gas_used": 0,
      "total_cost": "0",
      "output_amount": null,
      "quotes": 0
    },
    "error": null,
    "dead_letter": false
  })");
  auto got = to_json(rec, test_tokens());
  CAPTURE(got.dump(2));
  CHECK(got == expected);
}

TEST_CASE("a failed intent carries its error and dead-letter flag") {
  auto rec = completed_swap();
  rec.status = intent_status::failed;
  rec.status_message.clear();
  rec.execution.output_amount.reset();
  rec.error = intent_error{"retries_exhausted", "Try again later."};
  rec.dead_letter = true;
  auto got = to_json(rec, test_tokens());
  CHECK(got["status"] == "failed");
  CHECK(got["status_message"] == "Your token swap failed: Try again later.");
  CHECK(got["error"] ==
        json({{"code", "retries_exhausted"}, {"message", "Try again later."}}));
  CHECK(got["dead_letter"] == true);
  CHECK(got["execution"]["output_amount"].is_null());
}

TEST_CASE("amounts of unknown tokens are raw base units") {
  auto rec = completed_swap();
  rec.request.input_token = "mystery.near";
  rec.request.input_amount = 123'456;
  rec.request.output_token = "other.near";
  auto got = to_json(rec, test_tokens());
  CHECK(got["input_amount"] == "123456");
  CHECK(got["execution"]["total_cost"] == "30000");
  CHECK(got["min_output_amount"] == "19500000000000000000000000");
}

TEST_CASE("stake shows the pool as recipient and slippage in percent") {
  intent_record rec;
  rec.request.action = action_kind::stake;
  rec.request.input_token = "wrap.near";
  rec.request.input_amount = 3 * pow10(24);
  rec.request.recipient = "pool.near";
  auto got = to_json(rec, test_tokens());
  CHECK(got["action"] == "stake");
  CHECK(got["input_amount"] == "3");
  CHECK(got["recipient"] == "pool.near");
  CHECK_FALSE(got.contains("output_token"));
  CHECK_FALSE(got.contains("min_output_amount"));
  CHECK_FALSE(got.contains("max_slippage"));
  CHECK_FALSE(got.contains("signature"));
  auto swap = completed_swap();
  swap.request.max_slippage_bps = 125;
  CHECK(to_json(swap, test_tokens())["max_slippage"] == "1.25");
  swap.request.max_slippage_bps = 300;
  CHECK(to_json(swap, test_tokens())["max_slippage"] == "3");
}

TEST_CASE("a problem becomes the error envelope") {
  problem p{errc::invalid_intent,
            "The intent is invalid.",
            {{"input_amount", "must be a positive decimal"},
             {"recipient", "is required for transfer"}}};
  CHECK(to_json(p) == json::parse(R"({"error":{
    "code": "invalid_intent",
    "message": "The intent is invalid.",
    "details": [
      {"field": "input_amount", "problem": "must be a positive decimal"},
      {"field": "recipient", "problem": "is required for transfer"}
    ]}})"));
  problem q{errc::not_found, "No intent with this id.", {}};
  CHECK(to_json(q) == json::parse(R"({"error":{"code":"not_found",
    "message":"No intent with this id.","details":[]}})"));
}

TEST_CASE("render_record writes the same bytes as dumping to_json") {
  auto tokens = test_tokens();
  auto same = [&](const intent_record& rec) {
    CHECK(render_record(rec, tokens) == dump_json(to_json(rec, tokens)));
  };
  auto rec = completed_swap();
  same(rec);
  SUBCASE("a record of a cluster node names its node") {
    auto owned = completed_swap();
    owned.node = "n2";
    same(owned);
    CHECK(to_json(owned, tokens).at("node") == "n2");
    CHECK_FALSE(to_json(rec, tokens).contains("node"));
  }
  SUBCASE("a pending transfer with a recipient, no execution yet") {
    intent_record t;
    t.request.id = "t-1";
    t.request.user_account = "bob.near";
    t.request.action = action_kind::transfer;
    t.request.input_token = "unknown.near"; // base units
    t.request.input_amount = 42;
    t.request.recipient = "carol.near";
    t.request.public_key = "ed25519:key";
    t.request.expires_at = deadline + 123'456;
    t.status = intent_status::pending;
    t.created_at = t0;
    t.updated_at = t0;
    t.history = {{intent_status::pending, t0}};
    t.seq = 1;
    same(t);
  }
  SUBCASE("a failure with an error, a dead letter") {
    rec.status = intent_status::failed;
    rec.status_message.clear(); // the default message of the status
    rec.error = intent_error{"reverted", "The chain reverted it."};
    rec.dead_letter = true;
    rec.execution.output_amount.reset();
    rec.execution.solver_id.clear();
    rec.execution.transactions.push_back({"0xdef", "simulated", "reverted"});
    same(rec);
  }
  SUBCASE("text that JSON escapes, and bytes that are not UTF-8") {
    rec.request.user_account = "quote\"back\\slash\ttab\x01";
    rec.request.recipient = "caf\xc3\xa9 \xe2\x82\xac";
    rec.status_message = "broken \xff\xfe utf-8";
    rec.error = intent_error{"x\ny", "line\r\nbreak"};
    same(rec);
  }
  SUBCASE("the largest numbers") {
    rec.seq = UINT64_MAX;
    rec.request.nonce = UINT64_MAX;
    rec.execution.gas_used = UINT64_MAX;
    rec.execution.attempts = UINT32_MAX;
    same(rec);
  }
}

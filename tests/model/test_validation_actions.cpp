#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/model/validation_helpers.hpp"

using namespace validation_test;

namespace {

// A valid body of each action, with every field that belongs to it.
json full_body(const std::string& action) {
  json body = action == "swap" ? swap_body() : transfer_body();
  body["action"] = action;
  body["id"] = "full-1";
  body["expires_at"] = "2026-11-22T10:30:00Z";
  body["nonce"] = 3;
  if (action == "swap")
    body["max_slippage"] = "0.5";
  if (action == "stake")
    body["recipient"] = "pool-1.poolv1.near";
  return body;
}

// A plausible value of each field that belongs to some actions only.
const std::vector<std::pair<std::string, json>> foreign_values = {
    {"output_token", "NEAR"},
    {"min_output_amount", "1"},
    {"max_slippage", 1},
    {"recipient", "bob.near"},
};

bool belongs(const std::string& action, const std::string& field) {
  bool swap_only = field != "recipient";
  return action == "swap" ? swap_only : !swap_only;
}

std::string only_for(const std::string& field) {
  return field == "recipient"
             ? "is only allowed when action is transfer or stake"
             : "is only allowed when action is swap";
}

} // namespace

TEST_CASE("every action accepts every field of its own") {
  for (const char* action : {"swap", "transfer", "stake"}) {
    CAPTURE(action);
    accept(full_body(action));
  }
}

TEST_CASE("a field of another action is refused, named, on every action") {
  for (const std::string action : {"swap", "transfer", "stake"}) {
    // Not a structured binding: clang refuses to capture one in the lambda
    // CAPTURE expands to.
    for (const auto& foreign : foreign_values) {
      const std::string& field = foreign.first;
      const json& value = foreign.second;
      if (belongs(action, field))
        continue;
      CAPTURE(action);
      CAPTURE(field);
      json body = full_body(action);
      body[field] = value;
      CHECK(only(body) == field_problem{field, only_for(field)});
    }
  }
}

TEST_CASE("foreign fields are refused all at once and whatever their value") {
  json transfer = full_body("transfer");
  transfer["output_token"] = "NEAR";
  transfer["min_output_amount"] = "-1"; // would be a bad amount
  transfer["max_slippage"] = 75;        // would be out of range
  auto details = refuse(transfer);
  CHECK(details.size() == 3);
  for (const char* field :
       {"output_token", "min_output_amount", "max_slippage"})
    CHECK(has(details, field, "is only allowed when action is swap"));

  json swap = full_body("swap");
  swap["recipient"] = "Not An Account"; // would be a bad account id
  CHECK(only(swap) ==
        field_problem{"recipient",
                      "is only allowed when action is transfer or stake"});

  // The zero values a client might send "to be explicit" are refused too.
  json stake = full_body("stake");
  stake["max_slippage"] = 0;
  CHECK(only(stake) ==
        field_problem{"max_slippage", "is only allowed when action is swap"});
}

TEST_CASE("a foreign field that is null is absent, as every optional field") {
  json swap = full_body("swap");
  swap["recipient"] = nullptr;
  CHECK(accept(swap).value.recipient.empty());
  json transfer = full_body("transfer");
  for (const char* field :
       {"output_token", "min_output_amount", "max_slippage"})
    transfer[field] = nullptr;
  auto in = accept(transfer).value;
  CHECK(in.output_token.empty());
  CHECK(in.min_output_amount == 0);
  CHECK(in.max_slippage_bps == 0);
}

TEST_CASE("without a known action, every field is read for its own problems") {
  json body = full_body("swap");
  body["action"] = "bridge";
  body["recipient"] = "Bob";
  auto details = refuse(body);
  CHECK(details.size() == 2);
  CHECK(has(details, "action", "must be one of swap, transfer, stake"));
  CHECK(has(details, "recipient",
            "must be an account id: 2 to 64 characters of a-z and 0-9, "
            "separated by single '.', '_' or '-'"));
}

TEST_CASE("a public key needs a signature") {
  const std::string key(64, 'a');
  for (const std::string action : {"swap", "transfer", "stake"}) {
    CAPTURE(action);
    json body = full_body(action);
    body["public_key"] = key;
    CHECK(only(body) ==
          field_problem{"public_key", "is only allowed with a signature"});
    body["signature"] = nullptr;
    CHECK(only(body) ==
          field_problem{"public_key", "is only allowed with a signature"});
    body["signature"] = "";
    CHECK(only(body) ==
          field_problem{"public_key", "is only allowed with a signature"});
    body["public_key"] = "";
    CHECK(only(body) ==
          field_problem{"public_key", "is only allowed with a signature"});

    // With a signature the pair is read (and checked later against the
    // account's keys); a signature alone is left to that check too.
    body["public_key"] = key;
    body["signature"] = std::string(128, 'b');
    auto in = accept(body).value;
    CHECK(in.public_key == key);
    CHECK(in.signature == std::string(128, 'b'));
    body.erase("public_key");
    CHECK(accept(body).value.public_key.empty());
    // A null key is an absent one.
    body.erase("signature");
    body["public_key"] = nullptr;
    accept(body);
  }
}

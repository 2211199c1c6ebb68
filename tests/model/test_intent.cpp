#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/tokens.hpp"
#include "runtime/model/validation.hpp"

using namespace intentd;

TEST_CASE("action kinds have stable names") {
  CHECK(std::string(to_string(action_kind::swap)) == "swap");
  CHECK(std::string(to_string(action_kind::transfer)) == "transfer");
  CHECK(std::string(to_string(action_kind::stake)) == "stake");
  for (auto kind :
       {action_kind::swap, action_kind::transfer, action_kind::stake})
    CHECK(parse_action(to_string(kind)) == kind);
  CHECK_FALSE(parse_action(""));
  CHECK_FALSE(parse_action("Swap"));
  CHECK_FALSE(parse_action("swap "));
  CHECK_FALSE(parse_action("bridge"));
}

TEST_CASE("statuses have stable names and round trip") {
  const char* names[] = {"pending", "verified", "executing", "completed",
                         "failed",  "expired",  "cancelled"};
  for (int i = 0; i < intent_status_count; ++i) {
    auto status = static_cast<intent_status>(i);
    CHECK(std::string(to_string(status)) == names[i]);
    CHECK(parse_status(names[i]) == status);
  }
  CHECK_FALSE(parse_status("PENDING"));
  CHECK_FALSE(parse_status("canceled"));
  CHECK_FALSE(parse_status(""));
}

TEST_CASE("terminal statuses") {
  CHECK_FALSE(is_terminal(intent_status::pending));
  CHECK_FALSE(is_terminal(intent_status::verified));
  CHECK_FALSE(is_terminal(intent_status::executing));
  CHECK(is_terminal(intent_status::completed));
  CHECK(is_terminal(intent_status::failed));
  CHECK(is_terminal(intent_status::expired));
  CHECK(is_terminal(intent_status::cancelled));
}

TEST_CASE("error codes have snake_case names") {
  CHECK(std::string(to_string(errc::invalid_intent)) == "invalid_intent");
  CHECK(std::string(to_string(errc::bad_request)) == "bad_request");
  CHECK(std::string(to_string(errc::not_found)) == "not_found");
  CHECK(std::string(to_string(errc::conflict)) == "conflict");
  CHECK(std::string(to_string(errc::not_cancellable)) == "not_cancellable");
  CHECK(std::string(to_string(errc::payload_too_large)) == "payload_too_large");
  CHECK(std::string(to_string(errc::unsupported_media)) ==
        "unsupported_media_type");
  CHECK(std::string(to_string(errc::rate_limited)) == "rate_limited");
  CHECK(std::string(to_string(errc::overloaded)) == "overloaded");
  CHECK(std::string(to_string(errc::storage_unavailable)) ==
        "storage_unavailable");
  CHECK(std::string(to_string(errc::timeout)) == "timeout");
  CHECK(std::string(to_string(errc::internal)) == "internal");
}

TEST_CASE("outcome holds a value or a problem") {
  outcome<int> good = 3;
  REQUIRE(good);
  CHECK(*good == 3);
  outcome<int> bad = problem{errc::not_found, "No such intent", {}};
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::not_found);
}

TEST_CASE("token_registry finds tokens by id") {
  token_registry tokens{
      {{"NEAR", 24, 5'000'000'000}, {"USDC", 6, 1'000'000'000}}};
  REQUIRE(tokens.find("NEAR") != nullptr);
  CHECK(tokens.find("NEAR")->decimals == 24);
  CHECK(tokens.find("USDC")->price == 1'000'000'000);
  CHECK(tokens.find("near") == nullptr);
  CHECK(tokens.find("") == nullptr);
  CHECK(tokens.all().size() == 2);
  CHECK(tokens.all()[0].id == "NEAR");
  CHECK(token_registry{}.find("NEAR") == nullptr);
}

TEST_CASE("account ids follow NEAR's rules") {
  for (const char* good : {"ab", "alice.near", "bob_1.testnet", "a-b_c.d",
                           "0x1234", "pool-1.poolv1.near",
                           // One 64-character id over two lines.
                           // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaa"}) {
    CAPTURE(good);
    CHECK(valid_account(good));
  }
  for (const char* bad :
       {"", "a", "Alice.near", "alice..near", "alice.-near", "-alice", "alice.",
        ".alice", "alice_", "al ice", "alice@near", "ålice",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_account(bad));
  }
}

TEST_CASE("client intent ids") {
  CHECK(valid_intent_id("a", 64));
  CHECK(valid_intent_id("My-intent_42", 64));
  CHECK(valid_intent_id(std::string(64, 'x'), 64));
  CHECK_FALSE(valid_intent_id(std::string(65, 'x'), 64));
  CHECK_FALSE(valid_intent_id("abcd", 3));
  CHECK_FALSE(valid_intent_id("", 64));
  CHECK_FALSE(valid_intent_id("a.b", 64));
  CHECK_FALSE(valid_intent_id("a b", 64));
  CHECK_FALSE(valid_intent_id("a/../b", 64));
}

TEST_CASE("generated intent ids are fresh and well formed") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = generate_intent_id();
    // int_, 12 hex digits of time, 24 random (96 bits).
    REQUIRE(id.size() == 40);
    CHECK(id.rfind("int_", 0) == 0);
    CHECK(std::all_of(id.begin() + 4, id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }));
    CHECK(valid_intent_id(id, 64));
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("generated intent ids sort by their creation time") {
  const time_us t0 = 1'795'000'000'000'000; // microseconds
  std::string earlier = generate_intent_id(t0);
  std::string later = generate_intent_id(t0 + 1000);
  std::string much_later = generate_intent_id(t0 + 3'600'000'000);
  CHECK(earlier < later);
  CHECK(later < much_later);
  CHECK(earlier.substr(0, 16) == generate_intent_id(t0 + 999).substr(0, 16));
  CHECK(earlier != generate_intent_id(t0));
}

TEST_CASE("generated intent ids carry 96 random bits after the time") {
  // Ids made in the same millisecond share only their time prefix: each
  // of the 24 random hex digits takes many values over a few hundred ids.
  const time_us t0 = 1'795'000'000'000'000;
  std::vector<std::set<char>> digits(24);
  for (int i = 0; i < 400; ++i) {
    auto id = generate_intent_id(t0);
    REQUIRE(id.size() == 40);
    CHECK(id.substr(0, 16) == generate_intent_id(t0).substr(0, 16));
    for (size_t d = 0; d < 24; ++d)
      digits[d].insert(id[16 + d]);
  }
  for (const auto& seen : digits)
    CHECK(seen.size() >= 12);
}

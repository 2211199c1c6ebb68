#include <doctest/doctest.h>

#include <string>

#include "runtime/model/signature_check.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;

namespace {

// RFC 8032, section 7.1, test 1: the seed and its public key.
constexpr const char* vector_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* vector_public_key =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
// The test vector of docs/security.md: canonical bytes and signature of
// vector_intent.
constexpr const char* vector_message =
    "00000011696e74656e74642d696e74656e742d763100000006737761702d310000000a"
    "616c6963652e6e656172000000047377617000000009757364632e6e65617200000009"
    "31303030303030303000000009777261702e6e6561720000001a313935303030303030"
    "303030303030303030303030303030303000000003313030000000000000001031373935"
    "333431393030303030303030000000013100000020d75a980182b10ab7d54bfed3c96407"
    "3a0ee172f3daa62325af021a68f707511a";
constexpr const char* vector_signature =
    "df110368ccce8b8fdbec2bf9962dc4b9a6268914f7bffe6474459e9f800b6988e0cdd8b7"
    "a2fb2b3a782f993532f4a29ab838e1c29bd02a996582f702572d8407";
constexpr const char* vector_cancel_signature =
    "af1134f9f8d5c7eab5df61ddcaaa0bea5cc4351572bc0f2b2152f25222297ddacaca966e"
    "acefc120c170ac0e80b7896fe9ee8fae4fa3353be2adfabc5c1caf0e";

ed25519_keys seed_keys(const char* hex) {
  return *keys_from_seed(*from_hex(hex));
}

ed25519_keys alice_keys() {
  return seed_keys(vector_seed);
}

ed25519_keys bob_keys() {
  return seed_keys(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
}

std::string raw(const std::array<unsigned char, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

/// swap-1: alice.near swaps 100 usdc.near (6 decimals) for at least 19.5
/// wrap.near (24 decimals), 1 % slippage, nonce 1.
intent vector_intent() {
  intent in;
  in.id = "swap-1";
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 100'000'000;
  in.output_token = "wrap.near";
  in.min_output_amount = units{195} * pow10(23);
  in.max_slippage_bps = 100;
  in.expires_at = *parse_rfc3339("2026-11-22T10:05:00Z");
  in.nonce = 1;
  return in;
}

void register_both(account_keys& keys) {
  REQUIRE(keys.add("alice.near", raw(alice_keys().public_key)));
  REQUIRE(keys.add("bob.near", raw(bob_keys().public_key)));
}

errc code_of(const std::optional<problem>& p) {
  REQUIRE(p.has_value());
  return p->code;
}

} // namespace

TEST_CASE("the seed gives the RFC 8032 public key") {
  auto keys = alice_keys();
  CHECK(to_hex(raw(keys.public_key)) == vector_public_key);
}

TEST_CASE("canonical message and signature match the docs test vector") {
  auto in = vector_intent();
  sign_intent(in, alice_keys());
  CHECK(in.public_key == vector_public_key);
  CHECK(to_hex(*canonical_message(in)) == vector_message);
  CHECK(in.signature == vector_signature);
  auto cancel = cancel_message("swap-1", 1, vector_public_key);
  REQUIRE(cancel);
  CHECK(sign_message(alice_keys(), *cancel) == vector_cancel_signature);
}

TEST_CASE("the canonical message is length-prefixed, not concatenated") {
  auto a = vector_intent();
  auto b = vector_intent();
  a.public_key = b.public_key = vector_public_key;
  // Moving a character from one field to the next changes the bytes.
  a.id = "swap-1a";
  a.user_account = "lice.near";
  b.user_account = "alice.near";
  CHECK(*canonical_message(a) != *canonical_message(b));
  a = b;
  CHECK(*canonical_message(a) == *canonical_message(b));
  a.public_key = "zz";
  CHECK_FALSE(canonical_message(a));
}

TEST_CASE("a genuine signature of the account's key passes") {
  account_keys keys;
  register_both(keys);
  auto in = vector_intent();
  sign_intent(in, alice_keys());
  CHECK_FALSE(check_intent_signature(in, keys));
  // Hex in upper case is the same key and signature.
  for (auto& c : in.signature)
    c = static_cast<char>(std::toupper(c));
  CHECK_FALSE(check_intent_signature(in, keys));
}

TEST_CASE("forged, foreign, altered and unsigned each have their own code") {
  account_keys keys;
  register_both(keys);
  auto signed_in = vector_intent();
  sign_intent(signed_in, alice_keys());

  SUBCASE("no signature") {
    auto in = vector_intent();
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::signature_required);
  }
  SUBCASE("forged: bytes that are no ed25519 signature") {
    auto in = signed_in;
    in.signature = std::string(128, 'f'); // S above the group order
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::malformed_signature);
    in.signature = "ed25519:abc";
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::malformed_signature);
    in.signature = signed_in.signature.substr(2);
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::malformed_signature);
    in = signed_in;
    in.public_key = "abcd";
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::malformed_signature);
  }
  SUBCASE("signed with another account's key") {
    auto in = vector_intent();
    sign_intent(in, bob_keys());
    auto p = check_intent_signature(in, keys);
    CHECK(code_of(p) == errc::foreign_key);
    CHECK(p->message.find("another account") != std::string::npos);
  }
  SUBCASE("signed with a key nobody registered") {
    auto in = vector_intent();
    sign_intent(in, *generate_keys());
    auto p = check_intent_signature(in, keys);
    CHECK(code_of(p) == errc::foreign_key);
    CHECK(p->message.find("not registered") != std::string::npos);
  }
  SUBCASE("one field altered after signing") {
    auto in = signed_in;
    in.input_amount += 1;
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::signature_mismatch);
    in = signed_in;
    in.nonce = 2;
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::signature_mismatch);
    in = signed_in;
    in.recipient = "mallory.near";
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::signature_mismatch);
  }
  SUBCASE("an account without keys") {
    auto in = vector_intent();
    in.user_account = "carol.near";
    sign_intent(in, alice_keys());
    CHECK(code_of(check_intent_signature(in, keys)) ==
          errc::unknown_account_key);
  }
}

TEST_CASE("cancellations are signed over id, nonce and key") {
  account_keys keys;
  register_both(keys);
  auto stored = vector_intent();
  cancel_auth auth{vector_public_key, vector_cancel_signature};
  CHECK_FALSE(check_cancel_signature(stored, auth, keys));
  stored.nonce = 2;
  CHECK(code_of(check_cancel_signature(stored, auth, keys)) ==
        errc::signature_mismatch);
  stored.nonce = 1;
  stored.id = "swap-2";
  CHECK(code_of(check_cancel_signature(stored, auth, keys)) ==
        errc::signature_mismatch);
  stored.id = "swap-1";
  stored.user_account = "bob.near";
  CHECK(code_of(check_cancel_signature(stored, auth, keys)) ==
        errc::foreign_key);
  CHECK(code_of(check_cancel_signature(stored, cancel_auth{}, keys)) ==
        errc::signature_required);
}

TEST_CASE("a key belongs to one account") {
  account_keys keys;
  auto key = raw(alice_keys().public_key);
  CHECK(*keys.add("alice.near", key));
  CHECK_FALSE(*keys.add("alice.near", key));
  auto taken = keys.add("bob.near", key);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == errc::conflict);
  CHECK(keys.owner(key) == std::optional<std::string>{"alice.near"});
  CHECK_FALSE(keys.add("bob.near", "short"));
  CHECK(keys.has_keys("alice.near"));
  CHECK_FALSE(keys.has_keys("bob.near"));
}

TEST_CASE("canonical signatures keep S below the group order") {
  std::string sig(64, '\0');
  CHECK(canonical_signature(sig));
  sig[63] = 0x10; // S = 2^252, just below L = 2^252 + 2774...
  CHECK(canonical_signature(sig));
  sig[63] = 0x20; // S = 2^253 > L
  CHECK_FALSE(canonical_signature(sig));
  // S = L exactly.
  auto order = *from_hex(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  CHECK_FALSE(canonical_signature(std::string(32, '\0') + order));
  order[0] = static_cast<char>(0xec); // L - 1
  CHECK(canonical_signature(std::string(32, '\0') + order));
  CHECK_FALSE(canonical_signature(std::string(63, '\0')));
  CHECK_FALSE(from_hex("abc"));
  CHECK_FALSE(from_hex("zz"));
  CHECK(*from_hex("0aFf") == std::string("\x0a\xff", 2));
}

TEST_CASE("a removed key is gone from its account and free for another") {
  account_keys keys;
  register_both(keys);
  auto alice_key = raw(alice_keys().public_key);
  // Only the owner's removal counts.
  CHECK_FALSE(keys.remove("bob.near", alice_key));
  CHECK(keys.owner(alice_key) == "alice.near");
  CHECK(keys.remove("alice.near", alice_key));
  CHECK_FALSE(keys.owner(alice_key));
  CHECK_FALSE(keys.has_keys("alice.near"));
  CHECK(keys.has_keys("bob.near"));
  auto in = vector_intent();
  sign_intent(in, alice_keys());
  CHECK(code_of(check_intent_signature(in, keys)) == errc::unknown_account_key);
  CHECK_FALSE(keys.remove("alice.near", alice_key));
  auto again = keys.add("carol.near", alice_key);
  REQUIRE(again);
  CHECK(*again);
}

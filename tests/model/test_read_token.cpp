#include <doctest/doctest.h>

#include <string>

#include "runtime/model/read_token.hpp"
#include "runtime/model/signing.hpp"

using namespace intentd;

namespace {

// docs/security.md, "Read access": the test vector. The key pair is RFC
// 8032's test 1.
constexpr const char* vector_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* vector_public_key =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr int64_t vector_issued_at = 1'795'000'000;
constexpr int64_t vector_expires_at = 1'795'000'300;
constexpr const char* vector_message =
    "0000000f696e74656e74642d726561642d76310000000a616c6963652e6e656172000000"
    "0a313739353030303030300000000a3137393530303033303000000020d75a980182b10a"
    "b7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr const char* vector_signature =
    "da7a6cb3879992da7653e2e7f9276d6b04d2824a96e0a77d45f86928caeba354e205b84b"
    "7c0aadbe7aae729d84eefb5b83ca22223508e678abba80857e865f07";
constexpr const char* vector_token =
    "AAAAD2ludGVudGQtcmVhZC12MQAAAAphbGljZS5uZWFyAAAACjE3OTUwMDAwMDAAAAAKMTc5"
    "NTAwMDMwMAAAACDXWpgBgrEKt9VL_tPJZAc6DuFy89qmIyWvAhpo9wdRGtp6bLOHmZLadlPi"
    "5_knbWsE0oJKluCnfUX4aSjK66NU4gW4S3wKrb56rnKdhO77W4PKIiI1COZ4q7qAhX6GXwc";

ed25519_keys seed_keys(const char* hex) {
  return *keys_from_seed(*from_hex(hex));
}

std::string raw(const ed25519_keys& k) {
  return {reinterpret_cast<const char*>(k.public_key.data()),
          k.public_key.size()};
}

constexpr time_us at(int64_t seconds) {
  return seconds * 1'000'000;
}

/// Registers the vector's key to alice.near.
void register_alice(account_keys& keys) {
  REQUIRE(keys.add("alice.near", raw(seed_keys(vector_seed))));
}

} // namespace

TEST_CASE("read token test vector: canonical bytes, signature and text") {
  auto keys = seed_keys(vector_seed);
  CHECK(to_hex(raw(keys)) == vector_public_key);
  auto message = read_token_message("alice.near", vector_issued_at,
                                    vector_expires_at, raw(keys));
  CHECK(to_hex(message) == vector_message);
  CHECK(sign_message(keys, message) == vector_signature);
  CHECK(make_read_token(keys, "alice.near", vector_issued_at,
                        vector_expires_at) == vector_token);
  auto token = decode_read_token(vector_token);
  REQUIRE(token);
  CHECK(token->account == "alice.near");
  CHECK(token->issued_at == vector_issued_at);
  CHECK(token->expires_at == vector_expires_at);
  CHECK(to_hex(token->public_key) == vector_public_key);
  CHECK(to_hex(token->signature) == vector_signature);
  CHECK(looks_like_read_token(vector_token));
  CHECK_FALSE(looks_like_read_token("admin-key-0123456789"));
}

TEST_CASE("a read token proves its account only inside its life") {
  account_keys keys;
  register_alice(keys);
  auto check = [&](time_us now, uint32_t max_ttl = 900) {
    return check_read_token(vector_token, keys, now, max_ttl);
  };
  auto proven = check(at(vector_issued_at + 10));
  REQUIRE(proven);
  CHECK(*proven == "alice.near");
  CHECK(check(at(vector_expires_at - 1)));
  CHECK_FALSE(check(at(vector_expires_at)));
  // A clock a little behind the client's still takes it; far behind not.
  CHECK(check(at(vector_issued_at - read_token_skew_s)));
  CHECK_FALSE(check(at(vector_issued_at - read_token_skew_s - 1)));
  // Its life (300 s) above the server's limit: refused at any time.
  auto too_long = check(at(vector_issued_at + 10), 299);
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().code == errc::unauthorized);
  CHECK(too_long.error().message.find("299 s") != std::string::npos);
  // A token for far ahead is not taken before its time nor after.
  auto k = seed_keys(vector_seed);
  auto later = make_read_token(k, "alice.near", vector_issued_at + 86'400,
                               vector_expires_at + 86'400);
  CHECK_FALSE(check_read_token(later, keys, at(vector_issued_at), 900));
}

TEST_CASE("read tokens of another key, a changed field or a bad shape fail") {
  account_keys keys;
  register_alice(keys);
  auto now = at(vector_issued_at + 1);
  auto bob = seed_keys(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  REQUIRE(keys.add("bob.near", raw(bob)));
  // bob's key does not speak for alice, nor alice's for bob.
  auto forged =
      make_read_token(bob, "alice.near", vector_issued_at, vector_expires_at);
  CHECK_FALSE(check_read_token(forged, keys, now, 900));
  auto bobs =
      make_read_token(bob, "bob.near", vector_issued_at, vector_expires_at);
  CHECK(*check_read_token(bobs, keys, now, 900) == "bob.near");
  // An unregistered account's token proves nothing.
  auto carol = make_read_token(seed_keys(vector_seed), "carol.near",
                               vector_issued_at, vector_expires_at);
  CHECK_FALSE(check_read_token(carol, keys, now, 900));
  // Another expiry under the same signature.
  auto bytes = *base64url_decode(vector_token);
  auto pos = bytes.find("1795000300");
  REQUIRE(pos != std::string::npos);
  bytes[pos + 9] = '9';
  auto tampered = check_read_token(base64url_encode(bytes), keys, now, 900);
  REQUIRE_FALSE(tampered);
  CHECK(tampered.error().message.find("does not verify") != std::string::npos);
  // Shapes: padding, a cut, bytes added, another alphabet.
  std::string token = vector_token;
  CHECK_FALSE(decode_read_token(token + "="));
  CHECK_FALSE(decode_read_token(token.substr(0, token.size() - 4)));
  CHECK_FALSE(decode_read_token(token + "AAAA"));
  auto plus = token;
  plus[plus.find('-') == std::string::npos ? plus.find('_') : plus.find('-')] =
      '+';
  CHECK_FALSE(decode_read_token(plus));
  CHECK_FALSE(check_read_token("", keys, now, 900));
}

TEST_CASE("base64url round trips every length and refuses other texts") {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto text = base64url_encode(bytes);
    CHECK(text.find_first_of("+/=") == std::string::npos);
    auto back = base64url_decode(text);
    REQUIRE(back);
    CHECK(*back == bytes);
    bytes.push_back(static_cast<char>(n * 37 + 250));
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("A"));
  CHECK_FALSE(base64url_decode("AB")); // leftover bits set
  CHECK(base64url_decode("AA"));
  CHECK_FALSE(base64url_decode("AA=="));
}

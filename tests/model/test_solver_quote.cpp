#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "quote_helpers.hpp"
#include "runtime/model/solver_quote.hpp"

using namespace quote_test;

namespace {

// The test vector of docs/solvers.md.
constexpr const char* vector_canonical = "intentd-quote\n"
                                         "req-1\n"
                                         "swap-1\n"
                                         "19.75\n"
                                         "0.1\n"
                                         "2026-11-22T10:01:00Z";
constexpr const char* vector_canonical_hex =
    "696e74656e74642d71756f74650a7265712d310a737761702d310a31392e37350a302e31"
    "0a323032362d31312d32325431303a30313a30305a";
constexpr const char* vector_signature =
    "d5bd9fa506f2fa446e3d5caef05800e446baa0e813e976940f36eaf3ba9a93a067a31080"
    "3e9e725989e37ce3f904dad3d8199719e0702d9980a67351fa501703";
constexpr const char* vector_nonce =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* vector_auth_signature =
    "ae0a0be94ba309e65adfe3575373dc6a7990d8a6cb856880ed79bca27acbf528080d1611"
    "adcd0498b5d8536e4cb9b31d9ed0c5b90e3526c4af64b908f9713501";

solver_quote vector_quote() {
  return {"req-1",         "swap-1", "19.75", "0.1", "2026-11-22T10:01:00Z",
          vector_signature};
}

std::string read_doc(const char* path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("the canonical quote and its signature match the docs test vector") {
  auto keys = acme_keys();
  CHECK(to_hex(raw_key(keys)) == vector_public_key);
  auto q = vector_quote();
  CHECK(canonical_quote(q) == vector_canonical);
  CHECK(to_hex(canonical_quote(q)) == vector_canonical_hex);
  CHECK(sign_quote(q, keys) == vector_signature);
  CHECK(verify_quote_signature(q, raw_key(keys)));
  CHECK(solver_auth_message(vector_nonce) ==
        std::string{"intentd-solver-auth:"} + vector_nonce);
  CHECK(sign_message(keys, solver_auth_message(vector_nonce)) ==
        vector_auth_signature);
  CHECK(verify_solver_auth(vector_public_key, vector_nonce,
                           vector_auth_signature));
}

TEST_CASE("docs/solvers.md carries the test vector verbatim") {
  auto doc = read_doc(INTENTD_SOURCE_DIR "/docs/solvers.md");
  REQUIRE_MESSAGE(!doc.empty(), "cannot read docs/solvers.md");
  for (
      const char* text :
      {vector_seed, vector_public_key, vector_canonical, vector_canonical_hex,
       vector_signature, vector_nonce, vector_auth_signature,
       R"({"type":"quote","request_id":"req-1","intent_id":"swap-1","output_amount":"19.75","fee":"0.1","valid_until":"2026-11-22T10:01:00Z","signature":")"}) {
    CAPTURE(text);
    CHECK(doc.find(text) != std::string::npos);
  }
}

TEST_CASE("a change to any signed field breaks the quote's signature") {
  auto key = raw_key(acme_keys());
  std::string solver_quote::*fields[] = {
      &solver_quote::request_id, &solver_quote::intent_id,
      &solver_quote::output_amount, &solver_quote::fee,
      &solver_quote::valid_until};
  for (auto field : fields) {
    auto q = vector_quote();
    (q.*field) += "0";
    CAPTURE(q.*field);
    CHECK_FALSE(verify_quote_signature(q, key));
  }
  // The same value written otherwise is another quote: what is signed is
  // the text as sent.
  auto q = vector_quote();
  q.output_amount = "19.750";
  CHECK_FALSE(verify_quote_signature(q, key));
}

TEST_CASE("lines are separated, not concatenated") {
  solver_quote a{"req-1", "swap-1", "19.75", "0.1", "2026-11-22T10:01:00Z", {}};
  solver_quote b{"req-1s", "wap-1", "19.75", "0.1", "2026-11-22T10:01:00Z", {}};
  CHECK(canonical_quote(a) != canonical_quote(b));
  a.signature = sign_quote(a, acme_keys());
  b.signature = a.signature;
  CHECK_FALSE(verify_quote_signature(b, raw_key(acme_keys())));
}

TEST_CASE("a quote verifies only under its signer's key") {
  auto q = vector_quote();
  CHECK_FALSE(verify_quote_signature(q, raw_key(other_keys())));
  CHECK_FALSE(verify_quote_signature(q, "short"));
  q.signature = sign_quote(q, other_keys());
  CHECK(verify_quote_signature(q, raw_key(other_keys())));
  CHECK_FALSE(verify_quote_signature(q, raw_key(acme_keys())));
}

TEST_CASE("signatures in upper case hex verify; malformed ones do not") {
  auto q = vector_quote();
  auto key = raw_key(acme_keys());
  for (auto& c : q.signature)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_quote_signature(q, key));
  q.signature = std::string{vector_signature}.substr(2);
  CHECK_FALSE(verify_quote_signature(q, key));
  q.signature = std::string{vector_signature} + "00";
  CHECK_FALSE(verify_quote_signature(q, key));
  q.signature = std::string(128, 'z');
  CHECK_FALSE(verify_quote_signature(q, key));
  q.signature.clear();
  CHECK_FALSE(verify_quote_signature(q, key));
}

TEST_CASE("a non-canonical signature (S + L) is refused") {
  // S + L verifies in lax implementations; the check keeps S below L.
  auto sig = *from_hex(vector_signature);
  static constexpr unsigned char order[32] = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    unsigned sum = static_cast<unsigned char>(sig[32 + i]) + order[i] + carry;
    sig[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  auto q = vector_quote();
  q.signature = to_hex(sig);
  CHECK_FALSE(verify_quote_signature(q, raw_key(acme_keys())));
}

TEST_CASE("the auth proof binds the key and the nonce") {
  auto other_nonce = std::string(64, 'a');
  CHECK_FALSE(verify_solver_auth(vector_public_key, other_nonce,
                                 vector_auth_signature));
  CHECK_FALSE(verify_solver_auth(to_hex(raw_key(other_keys())), vector_nonce,
                                 vector_auth_signature));
  // Signed over the bare nonce, without the domain text.
  CHECK_FALSE(verify_solver_auth(vector_public_key, vector_nonce,
                                 sign_message(acme_keys(), vector_nonce)));
  // A quote signature is no auth proof.
  CHECK_FALSE(
      verify_solver_auth(vector_public_key, vector_nonce, vector_signature));
}

TEST_CASE("the auth check refuses malformed keys, nonces and signatures") {
  CHECK_FALSE(verify_solver_auth("", vector_nonce, vector_auth_signature));
  CHECK_FALSE(verify_solver_auth(std::string{vector_public_key}.substr(2),
                                 vector_nonce, vector_auth_signature));
  CHECK_FALSE(verify_solver_auth(std::string(64, 'g'), vector_nonce,
                                 vector_auth_signature));
  // The nonce is 64 hex digits; a shorter one signed correctly still fails.
  CHECK_FALSE(verify_solver_auth(
      vector_public_key, "abcd",
      sign_message(acme_keys(), solver_auth_message("abcd"))));
  CHECK_FALSE(verify_solver_auth(vector_public_key, vector_nonce, ""));
  CHECK_FALSE(verify_solver_auth(vector_public_key, vector_nonce,
                                 std::string{vector_auth_signature} + "00"));
}

TEST_CASE("challenge nonces are 64 lowercase hex digits and fresh") {
  auto a = generate_auth_nonce();
  auto b = generate_auth_nonce();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 64);
  CHECK(a->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(*a != *b);
  auto keys = acme_keys();
  CHECK(verify_solver_auth(to_hex(raw_key(keys)), *a,
                           sign_message(keys, solver_auth_message(*a))));
}

#include "runtime/model/solver_quote.hpp"

#include <openssl/rand.h>

namespace intentd {

namespace {

constexpr std::string_view quote_tag = "intentd-quote";
constexpr std::string_view auth_tag = "intentd-solver-auth:";

/// The raw bytes of `hex` when it is exactly `size` bytes of hex.
std::optional<std::string> raw_of(std::string_view hex, size_t size) {
  if (hex.size() != size * 2)
    return std::nullopt;
  return from_hex(hex);
}

bool verify(std::string_view public_key, std::string_view message,
            std::string_view signature_hex) {
  auto sig = raw_of(signature_hex, 64);
  return sig && canonical_signature(*sig) &&
         verify_signature(public_key, message, *sig);
}

} // namespace

std::string canonical_quote(const solver_quote& q) {
  std::string out{quote_tag};
  for (const std::string* line : {&q.request_id, &q.intent_id, &q.output_amount,
                                  &q.fee, &q.valid_until}) {
    out.push_back('\n');
    out.append(*line);
  }
  return out;
}

std::string sign_quote(const solver_quote& q, const ed25519_keys& keys) {
  return sign_message(keys, canonical_quote(q));
}

bool verify_quote_signature(const solver_quote& q,
                            std::string_view public_key) {
  return verify(public_key, canonical_quote(q), q.signature);
}

std::string solver_auth_message(std::string_view nonce_hex) {
  std::string out{auth_tag};
  out.append(nonce_hex);
  return out;
}

std::optional<std::string> generate_auth_nonce() {
  unsigned char nonce[32];
  if (RAND_bytes(nonce, sizeof(nonce)) != 1)
    return std::nullopt;
  return to_hex({reinterpret_cast<const char*>(nonce), sizeof(nonce)});
}

bool verify_solver_auth(std::string_view public_key_hex,
                        std::string_view nonce_hex,
                        std::string_view signature_hex) {
  auto key = raw_of(public_key_hex, 32);
  if (!key || !raw_of(nonce_hex, 32))
    return false;
  return verify(*key, solver_auth_message(nonce_hex), signature_hex);
}

} // namespace intentd

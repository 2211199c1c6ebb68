#include "runtime/ws/solver_auth.hpp"

#include <openssl/rand.h>

#include "runtime/model/signing.hpp"

namespace intentd::solver_auth {

std::string message(std::string_view nonce) {
  return "intentd-solver-auth:" + std::string{nonce};
}

std::string fresh_nonce() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return {};
  return to_hex(
      std::string_view{reinterpret_cast<const char*>(bytes), sizeof(bytes)});
}

bool verify(std::string_view public_key, std::string_view nonce,
            std::string_view signature) {
  auto key = from_hex(public_key);
  auto sig = from_hex(signature);
  if (!key || !sig || key->size() != 32 || sig->size() != 64 ||
      !canonical_signature(*sig))
    return false;
  return verify_signature(*key, message(nonce), *sig);
}

} // namespace intentd::solver_auth

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/signing.hpp"

namespace intentd {

/// A quote as a solver sent it: every field the text of its frame, so that
/// the signature covers exactly what was sent (docs/solvers.md).
struct solver_quote {
  std::string request_id;
  std::string intent_id;
  std::string output_amount; // decimal, in the output token (swap) or input
  std::string fee;           // decimal, in the input token
  std::string valid_until;   // RFC 3339
  std::string signature;     // hex ed25519 over canonical_quote
};

/// The text a quote's signature covers: the lines "intentd-quote",
/// request_id, intent_id, output_amount, fee, valid_until, joined by "\n"
/// (no trailing newline).
std::string canonical_quote(const solver_quote& q);

/// The hex signature of canonical_quote(q) under `keys`.
std::string sign_quote(const solver_quote& q, const ed25519_keys& keys);

/// True when `q.signature` is 128 hex digits of a canonical ed25519
/// signature of canonical_quote(q) under the raw 32-byte `public_key`.
bool verify_quote_signature(const solver_quote& q, std::string_view public_key);

/// The text a solver signs to authenticate: "intentd-solver-auth:" followed
/// by the challenge's nonce as sent (64 hex digits).
std::string solver_auth_message(std::string_view nonce_hex);

/// A fresh challenge nonce: 64 lowercase hex digits (32 random bytes);
/// nullopt when the system has no entropy.
std::optional<std::string> generate_auth_nonce();

/// True when `signature_hex` (128 hex digits) is a canonical ed25519
/// signature of solver_auth_message(nonce_hex) under `public_key_hex` (64
/// hex digits) and the nonce is 64 hex digits. False for anything
/// malformed.
bool verify_solver_auth(std::string_view public_key_hex,
                        std::string_view nonce_hex,
                        std::string_view signature_hex);

} // namespace intentd

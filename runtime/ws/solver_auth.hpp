#pragma once

// The challenge of a solver connection (GET /api/v1/solver-ws): a fresh
// nonce, and the check of the solver's ed25519 signature over
// "intentd-solver-auth:" followed by the nonce's 64 hex digits.

#include <string>
#include <string_view>

namespace intentd::solver_auth {

/// The bytes a solver signs to answer the challenge `nonce`.
std::string message(std::string_view nonce);

/// 32 fresh random bytes as 64 lowercase hex digits; empty when the system
/// has no entropy to give.
std::string fresh_nonce();

/// True when `signature` (128 hex digits) is a canonical ed25519 signature
/// of message(nonce) under `public_key` (64 hex digits); hex in either case.
bool verify(std::string_view public_key, std::string_view nonce,
            std::string_view signature);

} // namespace intentd::solver_auth

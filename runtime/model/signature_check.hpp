#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/model/account_keys.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// The proof that the owner of an intent asks to cancel it: a signature of
/// cancel_message(id, the intent's nonce, public_key), hex encoded.
struct cancel_auth {
  std::string public_key;
  std::string signature;
};

/// Checks the signature of a submission, in this order, each failure with
/// its own code: signature_required (no signature), malformed_signature
/// (public_key or signature not hex of 32 / 64 bytes, or not a canonical
/// ed25519 encoding), unknown_account_key (the account holds no key),
/// foreign_key (the key is not one of the account's: another account's or
/// nobody's), signature_mismatch (a well-formed signature under the
/// account's key that does not verify: a field was changed after signing,
/// or the signature was forged). nullopt when it verifies.
std::optional<problem> check_intent_signature(const intent& in,
                                              const account_keys& keys);

/// The same checks for a cancellation of `stored` (its user_account and
/// nonce) with `auth`.
std::optional<problem> check_cancel_signature(const intent& stored,
                                              const cancel_auth& auth,
                                              const account_keys& keys);

} // namespace intentd

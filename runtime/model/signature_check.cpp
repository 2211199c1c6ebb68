#include "runtime/model/signature_check.hpp"

#include "runtime/model/signing.hpp"

namespace intentd {

namespace {

problem malformed(std::string field, std::string what) {
  return problem{errc::malformed_signature,
                 "The signature cannot be checked: " + field + " " + what + ".",
                 {{std::move(field), std::move(what)}}};
}

/// The checks shared by submissions and cancellations; `message` is only
/// built once the key is known to be well-formed.
template<class MakeMessage>
std::optional<problem> check(const std::string& account,
                             const std::string& public_key_hex,
                             const std::string& signature_hex,
                             const account_keys& keys, MakeMessage message) {
  if (signature_hex.empty())
    return problem{errc::signature_required,
                   "This server requires a signature: add public_key, nonce "
                   "and an ed25519 signature (see intentctl sign).",
                   {{"signature", "is required"}}};
  auto key = from_hex(public_key_hex);
  if (!key || key->size() != 32)
    return malformed("public_key", "must be 64 hex digits (an ed25519 key)");
  auto sig = from_hex(signature_hex);
  if (!sig || sig->size() != 64)
    return malformed("signature",
                     "must be 128 hex digits (an ed25519 signature)");
  if (!canonical_signature(*sig))
    return malformed("signature", "is not a canonical ed25519 signature");
  if (!keys.has_keys(account))
    return problem{errc::unknown_account_key,
                   "No public key is registered to " + account +
                       "; register one before signing with it.",
                   {}};
  auto owner = keys.owner(*key);
  if (owner != account)
    return problem{errc::foreign_key,
                   owner ? "The intent is signed with a key of another "
                           "account, not of " +
                               account + "."
                         : "The intent is signed with a key that is not "
                           "registered to " +
                               account + ".",
                   {{"public_key", "is not registered to " + account}}};
  auto text = message();
  if (!text || !verify_signature(*key, *text, *sig))
    return problem{errc::signature_mismatch,
                   "The signature does not match the intent: a field differs "
                   "from what was signed, or the signature is not genuine.",
                   {}};
  return std::nullopt;
}

} // namespace

std::optional<problem> check_intent_signature(const intent& in,
                                              const account_keys& keys) {
  return check(in.user_account, in.public_key, in.signature, keys,
               [&] { return canonical_message(in); });
}

std::optional<problem> check_cancel_signature(const intent& stored,
                                              const cancel_auth& auth,
                                              const account_keys& keys) {
  return check(stored.user_account, auth.public_key, auth.signature, keys, [&] {
    return cancel_message(stored.id, stored.nonce, auth.public_key);
  });
}

} // namespace intentd

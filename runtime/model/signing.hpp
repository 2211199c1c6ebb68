#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/intent.hpp"

namespace intentd {

/// An ed25519 key pair: the 32-byte private seed and the public key.
struct ed25519_keys {
  std::array<unsigned char, 32> seed{};
  std::array<unsigned char, 32> public_key{};
};

/// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);

/// The value of one hex digit (either case), -1 for any other character.
int hex_digit(char c);

/// Raw bytes of a hex string (either case); nullopt when malformed.
std::optional<std::string> from_hex(std::string_view text);

/// Fresh random keys; nullopt when the system has no entropy.
std::optional<ed25519_keys> generate_keys();

/// The keys of a 32-byte seed (RFC 8032).
std::optional<ed25519_keys> keys_from_seed(std::string_view seed);

/// The canonical bytes a signature over an intent covers: the domain tag
/// "intentd-intent-v1", then id, user_account, action, input_token,
/// input_amount, output_token, min_output_amount, max_slippage_bps,
/// recipient, expires_at, nonce and the raw public key, each as a 4-byte
/// big-endian length followed by its bytes. Amounts are base units and
/// expires_at microseconds since the epoch, both as decimal integers. Fails
/// (nullopt) when `public_key` is not 64 hex digits.
std::optional<std::string> canonical_message(const intent& in);

/// The canonical bytes of a cancellation: "intentd-cancel-v1", the intent
/// id, the nonce it was submitted with and the raw public key, framed as in
/// canonical_message.
std::optional<std::string> cancel_message(std::string_view id, uint64_t nonce,
                                          std::string_view public_key_hex);

/// The ed25519 signature of `message` as lowercase hex (128 digits).
std::string sign_message(const ed25519_keys& keys, std::string_view message);

/// Fills public_key and signature of `in` from `keys`.
void sign_intent(intent& in, const ed25519_keys& keys);

/// True when `signature` (64 raw bytes) is a canonically encoded ed25519
/// signature: its scalar S is below the group order.
bool canonical_signature(std::string_view signature);

/// Verifies a raw 64-byte signature of `message` under a raw 32-byte key.
bool verify_signature(std::string_view public_key, std::string_view message,
                      std::string_view signature);

} // namespace intentd

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/account_keys.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/signing.hpp"

namespace intentd {

/// A read token: the proof that a reader holds one of an account's keys,
/// for listing its intents and following it live (docs/security.md, "Read
/// access"). Times are whole seconds since the epoch; keys and signatures
/// raw bytes.
struct read_token {
  std::string account;
  int64_t issued_at = 0;
  int64_t expires_at = 0;
  std::string public_key; // 32 bytes
  std::string signature;  // 64 bytes
};

/// Clock difference a token's issued_at may be ahead of the server by.
constexpr int64_t read_token_skew_s = 60;

/// The bytes a read token's signature covers: "intentd-read-v1", account,
/// issued_at and expires_at as decimal integers, and the raw public key,
/// each as a 4-byte big-endian length followed by its bytes.
std::string read_token_message(std::string_view account, int64_t issued_at,
                               int64_t expires_at, std::string_view public_key);

/// The token's text: the message, then the 64-byte signature, in base64url
/// (RFC 4648 section 5) without padding.
std::string make_read_token(const ed25519_keys& keys, std::string_view account,
                            int64_t issued_at, int64_t expires_at);

/// True when `text` begins as every read token does (its framed tag), so
/// that it can be told from an admin API key in the same header.
bool looks_like_read_token(std::string_view text);

/// The fields of a token's text; nullopt when it is not one, byte for byte
/// (bad base64url, another tag, a field out of shape, bytes left over).
std::optional<read_token> decode_read_token(std::string_view text);

/// The account `text` proves at `now`: well formed, issued no later than
/// now + read_token_skew_s, not expired, living at most `max_ttl_s` from
/// issue to expiry, signed by a key registered to its account. Every
/// refusal is `unauthorized` with a sentence saying why.
outcome<std::string> check_read_token(std::string_view text,
                                      const account_keys& keys, time_us now,
                                      uint32_t max_ttl_s);

/// What check_read_token decides, and whether other keys of the account
/// could decide otherwise.
struct read_token_verdict {
  /// check_read_token's answer.
  outcome<std::string> account;
  /// The account the token names, when the one thing it lacks is that
  /// `keys` do not register its key to that account: well formed, in
  /// time, and its signature verifies under its own key. Keys of the
  /// account kept elsewhere (its home node) may prove it.
  std::optional<std::string> key_unknown_to;
};

/// check_read_token, saying whether the keys alone refused the token.
read_token_verdict judge_read_token(std::string_view text,
                                    const account_keys& keys, time_us now,
                                    uint32_t max_ttl_s);

/// base64url without padding, and back (nullopt on any other character,
/// padding or a length no encoding has).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace intentd

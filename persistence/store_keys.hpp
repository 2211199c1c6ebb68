#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd::keys {

/// Eight bytes that sort as `t` does (big-endian, sign bit flipped).
std::string time_be(time_us t);

/// by_status: status byte + created_at + id.
std::string status_prefix(intent_status status);
std::string by_status(const intent_record& rec);

/// by_user: user + '\0' + bucket byte + created_at + id. A terminal
/// record's bucket is its status; every live record (pending, verified,
/// executing) shares the bucket of `pending`, so an intent's entry stays put
/// from submission until it ends and its live transitions leave the index
/// alone.
intent_status user_bucket(intent_status status);
std::string user_status_prefix(std::string_view user, intent_status status);
std::string by_user(const intent_record& rec);

/// user + '\0': the prefix of a user's by_user keys, and of the cursors of
/// a listing by user alone, which hold user + '\0' + created_at + id.
std::string user_prefix(std::string_view user);

/// by_time and dead: created_at + id.
std::string by_time(const intent_record& rec);

/// by_updated (terminal, not dead-lettered): updated_at + id.
std::string by_updated(const intent_record& rec);

/// by_expiry (live records): expires_at + id.
std::string by_expiry(const intent_record& rec);

/// nonces: user + '\0' + nonce as 8 bytes big-endian.
std::string by_nonce(std::string_view user, uint64_t nonce);

bool starts_with(std::string_view s, std::string_view prefix);

/// The smallest key greater than every key starting with `prefix`; empty
/// when there is none.
std::string prefix_end(std::string prefix);

/// The id at the end of an index key with `prefix_size` bytes of prefix;
/// empty when the key is too short.
std::string_view id_of(std::string_view key, std::size_t prefix_size);

/// The time stored in an index key after `prefix_size` bytes.
time_us time_of(std::string_view key, std::size_t prefix_size);

/// Lowercase hex of an index key: a listing cursor.
std::string to_cursor(std::string_view key);

/// The index key in a cursor; nullopt when it is not even-length hex.
std::optional<std::string> from_cursor(std::string_view cursor);

/// Where a listing over the keys starting with `prefix` resumes: the part
/// of `cursor`'s key after the prefix; nullopt for an empty cursor (from
/// the first), a bad_request problem for one of another listing.
outcome<std::optional<std::string>> cursor_tail(std::string_view cursor,
                                                std::string_view prefix);

} // namespace intentd::keys

#include "runtime/model/read_token.hpp"

#include "runtime/model/validation.hpp"

namespace intentd {

namespace {

constexpr std::string_view read_tag = "intentd-read-v1";
constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void frame(std::string& out, std::string_view field) {
  auto n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

/// Takes one framed field off the front of `in`.
std::optional<std::string_view> unframe(std::string_view& in) {
  if (in.size() < 4)
    return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n = (n << 8) | static_cast<unsigned char>(in[i]);
  if (in.size() - 4 < n)
    return std::nullopt;
  auto field = in.substr(4, n);
  in.remove_prefix(4 + n);
  return field;
}

/// A decimal integer as std::to_string writes a non-negative one.
std::optional<int64_t> seconds(std::string_view text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0'))
    return std::nullopt;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

problem refused(std::string why) {
  return problem{errc::unauthorized, "The read token " + std::move(why), {}};
}

/// The text every token starts with: the framed tag's first 18 bytes
/// (a whole number of base64 groups).
const std::string& token_prefix() {
  static const std::string prefix = [] {
    std::string head;
    frame(head, read_tag);
    return base64url_encode(head.substr(0, 18));
  }();
  return prefix;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      out.push_back(alphabet[(v >> shift) & 63]);
  }
  auto rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2)
      v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2)
      out.push_back(alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = sextet(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, so that each byte string has one text.
  if ((acc & ((1u << bits) - 1)) != 0)
    return std::nullopt;
  return out;
}

std::string read_token_message(std::string_view account, int64_t issued_at,
                               int64_t expires_at,
                               std::string_view public_key) {
  std::string out;
  frame(out, read_tag);
  frame(out, account);
  frame(out, std::to_string(issued_at));
  frame(out, std::to_string(expires_at));
  frame(out, public_key);
  return out;
}

std::string make_read_token(const ed25519_keys& keys, std::string_view account,
                            int64_t issued_at, int64_t expires_at) {
  std::string_view key{reinterpret_cast<const char*>(keys.public_key.data()),
                       keys.public_key.size()};
  auto message = read_token_message(account, issued_at, expires_at, key);
  auto signature = from_hex(sign_message(keys, message)).value_or("");
  return base64url_encode(message + signature);
}

bool looks_like_read_token(std::string_view text) {
  return text.substr(0, token_prefix().size()) == token_prefix();
}

std::optional<read_token> decode_read_token(std::string_view text) {
  auto bytes = base64url_decode(text);
  if (!bytes)
    return std::nullopt;
  std::string_view in{*bytes};
  auto tag = unframe(in);
  auto account = tag ? unframe(in) : std::nullopt;
  auto issued = account ? unframe(in) : std::nullopt;
  auto expires = issued ? unframe(in) : std::nullopt;
  auto key = expires ? unframe(in) : std::nullopt;
  if (!key || *tag != read_tag || key->size() != 32 || in.size() != 64)
    return std::nullopt;
  auto issued_at = seconds(*issued);
  auto expires_at = seconds(*expires);
  if (!issued_at || !expires_at)
    return std::nullopt;
  return read_token{std::string{*account}, *issued_at, *expires_at,
                    std::string{*key}, std::string{in}};
}

read_token_verdict judge_read_token(std::string_view text,
                                    const account_keys& keys, time_us now,
                                    uint32_t max_ttl_s) {
  auto token = decode_read_token(text);
  if (!token)
    return {refused("is malformed: make one with intentctl read-token."), {}};
  if (!valid_account(token->account))
    return {refused("names no valid account."), {}};
  auto now_s = now / 1'000'000;
  if (token->expires_at <= now_s)
    return {refused("has expired."), {}};
  if (token->issued_at > now_s + read_token_skew_s)
    return {refused("is issued in the future."), {}};
  if (token->expires_at - token->issued_at > int64_t{max_ttl_s} ||
      token->expires_at < token->issued_at)
    return {refused("lives longer than this server allows (" +
                    std::to_string(max_ttl_s) + " s from issue to expiry)."),
            {}};
  auto message = read_token_message(token->account, token->issued_at,
                                    token->expires_at, token->public_key);
  bool verifies =
      canonical_signature(token->signature) &&
      verify_signature(token->public_key, message, token->signature);
  // The key is judged before the signature, so that a refusal names the
  // key whether or not the signature verifies.
  if (keys.owner(token->public_key) != token->account) {
    auto why = refused("is signed with a key that is not registered to " +
                       token->account + ".");
    if (!verifies)
      return {std::move(why), {}};
    return {std::move(why), token->account};
  }
  if (!verifies)
    return {refused("has a signature that does not verify."), {}};
  return {std::move(token->account), {}};
}

outcome<std::string> check_read_token(std::string_view text,
                                      const account_keys& keys, time_us now,
                                      uint32_t max_ttl_s) {
  return judge_read_token(text, keys, now, max_ttl_s).account;
}

} // namespace intentd

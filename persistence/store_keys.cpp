#include "persistence/store_keys.hpp"

namespace intentd::keys {

namespace {

constexpr uint64_t sign_bit = uint64_t{1} << 63;
constexpr std::size_t time_size = 8;
constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

} // namespace

std::string time_be(time_us t) {
  uint64_t v = static_cast<uint64_t>(t) ^ sign_bit;
  std::string out(time_size, '\0');
  for (std::size_t i = 0; i < time_size; ++i)
    out[i] = static_cast<char>(v >> (8 * (time_size - 1 - i)));
  return out;
}

std::string status_prefix(intent_status status) {
  return std::string(1, static_cast<char>(status));
}

std::string by_status(const intent_record& rec) {
  return status_prefix(rec.status) + by_time(rec);
}

intent_status user_bucket(intent_status status) {
  return is_terminal(status) ? status : intent_status::pending;
}

std::string user_status_prefix(std::string_view user, intent_status status) {
  return user_prefix(user) + static_cast<char>(user_bucket(status));
}

std::string by_user(const intent_record& rec) {
  return user_status_prefix(rec.request.user_account, rec.status) +
         by_time(rec);
}

std::string user_prefix(std::string_view user) {
  std::string out(user);
  out.push_back('\0');
  return out;
}

std::string by_nonce(std::string_view user, uint64_t nonce) {
  std::string out = user_prefix(user);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((nonce >> shift) & 0xff));
  return out;
}

std::string by_time(const intent_record& rec) {
  return time_be(rec.created_at) + rec.request.id;
}

std::string by_updated(const intent_record& rec) {
  return time_be(rec.updated_at) + rec.request.id;
}

std::string by_expiry(const intent_record& rec) {
  return time_be(rec.request.expires_at) + rec.request.id;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff)
    prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

std::string_view id_of(std::string_view key, std::size_t prefix_size) {
  if (key.size() < prefix_size + time_size)
    return {};
  return key.substr(prefix_size + time_size);
}

time_us time_of(std::string_view key, std::size_t prefix_size) {
  if (key.size() < prefix_size + time_size)
    return 0;
  uint64_t v = 0;
  for (std::size_t i = 0; i < time_size; ++i)
    v = (v << 8) | static_cast<uint8_t>(key[prefix_size + i]);
  return static_cast<time_us>(v ^ sign_bit);
}

std::string to_cursor(std::string_view key) {
  std::string out;
  out.reserve(key.size() * 2);
  for (char c : key) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(hex_digits[b >> 4]);
    out.push_back(hex_digits[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> from_cursor(std::string_view cursor) {
  if (cursor.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(cursor.size() / 2);
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    int hi = hex_value(cursor[i]);
    int lo = hex_value(cursor[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

outcome<std::optional<std::string>> cursor_tail(std::string_view cursor,
                                                std::string_view prefix) {
  if (cursor.empty())
    return std::optional<std::string>{};
  auto start = from_cursor(cursor);
  if (!start || id_of(*start, prefix.size()).empty() ||
      !starts_with(*start, prefix))
    return problem{errc::bad_request,
                   "cursor does not belong to this listing",
                   {{"cursor", "must be a next_cursor of the same query"}}};
  return std::optional<std::string>{start->substr(prefix.size())};
}

} // namespace intentd::keys

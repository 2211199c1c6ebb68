#include "runtime/http/admin_auth.hpp"

#include <openssl/crypto.h>

namespace intentd {

namespace {

/// The key a request presents; empty when none.
std::string presented_key(const http_request& req) {
  constexpr std::string_view bearer = "Bearer ";
  std::string_view auth = req.authorization;
  if (auth.size() > bearer.size()) {
    bool match = true;
    for (size_t i = 0; i < bearer.size() && match; ++i)
      match = std::tolower(static_cast<unsigned char>(auth[i])) ==
              std::tolower(static_cast<unsigned char>(bearer[i]));
    if (match)
      return std::string{auth.substr(bearer.size())};
  }
  return req.api_key;
}

bool same_key(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

std::optional<http_reply> check_admin(const http_request& req,
                                      const std::vector<std::string>& keys) {
  if (keys.empty()) {
    if (req.loopback)
      return std::nullopt;
    return problem_reply(
        problem{errc::forbidden,
                "Admin endpoints answer only loopback clients while "
                "security.admin_api_keys is empty.",
                {}});
  }
  auto key = presented_key(req);
  if (key.empty()) {
    auto rep = problem_reply(
        problem{errc::unauthorized,
                "This is an admin endpoint: send an API key as "
                "'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
                {}});
    rep.headers.emplace_back("WWW-Authenticate", "Bearer");
    return rep;
  }
  bool known = false;
  for (const auto& k : keys)
    known = same_key(k, key) || known;
  if (!known)
    return problem_reply(
        problem{errc::forbidden, "The API key is not valid.", {}});
  return std::nullopt;
}

} // namespace intentd

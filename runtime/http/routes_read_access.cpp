// Who may read what: read tokens and security.read_access.

#include <cctype>

#include "runtime/engine/engine.hpp"
#include "runtime/http/admin_auth.hpp"
#include "runtime/http/route_helpers.hpp"
#include "runtime/http/router.hpp"
#include "runtime/model/read_token.hpp"

namespace intentd {

namespace http_detail {

http_reply unauthorized_reply(const problem& p) {
  auto rep = problem_reply(p);
  if (rep.status == 401)
    rep.headers.emplace_back("WWW-Authenticate", "Bearer");
  return rep;
}

} // namespace http_detail

using namespace http_detail;

namespace {

/// The value of an `Authorization: Bearer <value>` header; empty for any
/// other header.
std::string_view bearer_value(std::string_view auth) {
  constexpr std::string_view bearer = "bearer ";
  if (auth.size() <= bearer.size())
    return {};
  for (size_t i = 0; i < bearer.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(auth[i])) != bearer[i])
      return {};
  return auth.substr(bearer.size());
}

} // namespace

bool http_router::owner_reads() const {
  return engine_.config().security.read_access != "open";
}

std::string http_router::read_token_of(const http_request& req) {
  auto value = bearer_value(req.authorization);
  if (!looks_like_read_token(value))
    return {};
  return std::string{value};
}

void http_router::prove_reader(
    engine_core& engine, std::string token,
    std::function<void(outcome<std::optional<std::string>>)> done) {
  if (token.empty())
    return done(std::optional<std::string>{});
  engine.prove_reader(token,
                      [done = std::move(done)](outcome<std::string> account) {
                        if (!account)
                          return done(account.error());
                        done(std::optional<std::string>{std::move(*account)});
                      });
}

http_router::listing_access
http_router::listing_access_of(const http_request& req) const {
  listing_access out;
  out.owner_reads = owner_reads();
  if (out.owner_reads)
    out.admin_denied = deny_admin(req);
  out.presented_nothing = req.authorization.empty() && req.api_key.empty();
  return out;
}

std::optional<http_reply> http_router::listing_access::deny(
    const std::string& account,
    const std::optional<std::string>& reader) const {
  if (!owner_reads || (reader && !account.empty() && *reader == account))
    return std::nullopt;
  if (!admin_denied)
    return std::nullopt;
  if (reader)
    return problem_reply(problem{
        errc::forbidden,
        account.empty()
            ? "A read token lists only its own account (?user=" + *reader +
                  "); every account's intents need an admin key."
            : "The read token proves " + *reader + ", not " + account + ".",
        {}});
  // A caller who presented nothing is told what would do.
  if (presented_nothing)
    return unauthorized_reply(problem{
        errc::unauthorized,
        account.empty()
            ? "Listing every account's intents needs an admin key "
              "(Authorization: Bearer <key> or X-API-Key: <key>); one "
              "account's intents are listed with ?user= and its read token."
            : "Listing " + account +
                  "'s intents needs a read token signed by one of its keys "
                  "(intentctl read-token) as 'Authorization: Bearer "
                  "<token>', or an admin key.",
        {}});
  return admin_denied;
}

} // namespace intentd

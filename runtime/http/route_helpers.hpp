#pragma once

// Helpers the router's files share: route_table.cpp and the routes_*.cpp
// files.

#include <exception>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/http/router.hpp"

namespace intentd::http_detail {

using reply_fn = std::function<void(http_reply)>;

/// A reply with `body` as its JSON text.
http_reply json_reply(unsigned status, const nlohmann::json& body);

/// 500 internal: the answer could not be encoded.
http_reply internal_error();

/// Turns an engine outcome into a reply through `make`, on the engine thread.
template<class T, class F>
reply<T> respond(reply_fn done, F make) {
  return [done = std::move(done), make = std::move(make)](outcome<T> result) {
    if (!result)
      return done(problem_reply(result.error()));
    http_reply rep;
    try {
      rep = make(*result);
    } catch (const std::exception&) {
      rep = internal_error();
    }
    done(std::move(rep));
  };
}

/// A 401 or 403 for `p`, with WWW-Authenticate: Bearer on a 401 (a 503
/// when the keys to check a read token with could not be asked for).
http_reply unauthorized_reply(const problem& p);

/// Decodes `a=1&b=2` into `out`; false on a malformed %-escape.
bool parse_query(std::string_view query,
                 std::map<std::string, std::string>& out);

} // namespace intentd::http_detail

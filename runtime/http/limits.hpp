#pragma once

#include <functional>
#include <memory>
#include <string>

#include "actors/rate_limit_table.hpp"

namespace intentd {

struct http_request;
struct http_reply;

/// The router's rate-limit step: who sent a request, what the limits say,
/// and the headers that tell the client.
class http_limits {
public:
  using decided = std::function<void(rate_decision)>;
  /// Counts one request (engine_core::count_rate): answers once, perhaps
  /// later and on another thread.
  using count_fn =
      std::function<void(rate_route, rate_subject, uint8_t, decided)>;

  /// Counts on `limiter` itself, or through `count` when given (the
  /// engine's, which in a cluster counts each key at its home node).
  /// `limiter` still decides exemptions and whether limits are on.
  explicit http_limits(std::shared_ptr<rate_limiter> limiter,
                       count_fn count = nullptr);

  /// The header carrying an API key, for the session to copy.
  const std::string& api_key_header() const;

  /// Counts `req` against the rules of `route` whose key is in `keys`;
  /// `user` is empty when unknown. Exempt clients, disabled limits and
  /// routes no such rule covers get a decision that does not apply, at
  /// once. `done` runs exactly once, before this returns when the count is
  /// made on this node.
  void check(const http_request& req, rate_route route, const std::string& user,
             uint8_t keys, decided done) const;
  /// True when a rule keyed by user account covers `route`.
  bool limits_users(rate_route route) const;

  /// Of two decisions, the one whose headers the client gets: the one
  /// that applies with the least left.
  static rate_decision closest(const rate_decision& a, const rate_decision& b);

  /// 429 with Retry-After and the RateLimit headers.
  static http_reply too_many(const rate_decision& d);
  /// Adds RateLimit-Limit, -Remaining and -Reset when `d` applies.
  static void add_headers(http_reply& rep, const rate_decision& d);
  /// `done`, adding the headers of `d` to the reply.
  static std::function<void(http_reply)>
  with_headers(std::function<void(http_reply)> done, const rate_decision& d);

  rate_limiter& limiter() { return *limiter_; }

private:
  std::shared_ptr<rate_limiter> limiter_;
  count_fn count_;
};

/// What of `req` the rate limits look at (address, proxies' header, API
/// key), without its body: cheap to keep for a check made later.
http_request rate_client_of(const http_request& req);

} // namespace intentd

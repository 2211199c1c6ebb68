#include "runtime/http/limits.hpp"

#include "runtime/http/router.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

http_limits::http_limits(std::shared_ptr<rate_limiter> limiter, count_fn count)
    : limiter_(std::move(limiter)), count_(std::move(count)) {}

const std::string& http_limits::api_key_header() const {
  return limiter_->settings().api_key_header;
}

void http_limits::check(const http_request& req, rate_route route,
                        const std::string& user, uint8_t keys,
                        decided done) const {
  if (!limiter_->enabled() || !limiter_->covers(route, keys))
    return done(rate_decision{});
  auto ip = limiter_->client(req.peer, req.forwarded_for);
  if (limiter_->exempt(ip, req.api_key))
    return done(rate_decision{});
  rate_subject who{std::move(ip), user};
  if (count_)
    return count_(route, std::move(who), keys, std::move(done));
  done(limiter_->check(route, who, wall_clock_now(), keys));
}

bool http_limits::limits_users(rate_route route) const {
  return limiter_->enabled() &&
         limiter_->covers(route, key_bit(rate_key::user));
}

rate_decision http_limits::closest(const rate_decision& a,
                                   const rate_decision& b) {
  if (!b.applied)
    return a;
  if (!a.applied || b.remaining < a.remaining)
    return b;
  return a;
}

http_request rate_client_of(const http_request& req) {
  http_request who;
  who.peer = req.peer;
  who.forwarded_for = req.forwarded_for;
  who.api_key = req.api_key;
  return who;
}

http_reply http_limits::too_many(const rate_decision& d) {
  auto rep = problem_reply(problem{errc::rate_limited,
                                   "Too many requests; retry in " +
                                       std::to_string(d.retry_after_s) + " s.",
                                   {}});
  for (auto& [name, value] : rep.headers)
    if (name == "Retry-After")
      value = std::to_string(d.retry_after_s);
  add_headers(rep, d);
  return rep;
}

void http_limits::add_headers(http_reply& rep, const rate_decision& d) {
  if (!d.applied)
    return;
  rep.headers.emplace_back("RateLimit-Limit", std::to_string(d.limit));
  rep.headers.emplace_back("RateLimit-Remaining", std::to_string(d.remaining));
  rep.headers.emplace_back("RateLimit-Reset", std::to_string(d.reset_s));
}

std::function<void(http_reply)>
http_limits::with_headers(std::function<void(http_reply)> done,
                          const rate_decision& d) {
  if (!d.applied)
    return done;
  return [done = std::move(done), d](http_reply rep) {
    add_headers(rep, d);
    done(std::move(rep));
  };
}

} // namespace intentd

// The route table and the router's entry point: each request's path is
// parsed once, matched against the table once, and both the answer and the
// metrics label come from the row it matched.

#include <chrono>

#include "runtime/engine/engine.hpp"
#include "runtime/http/route_helpers.hpp"
#include "runtime/http/router.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/record_json.hpp"

namespace intentd {

using namespace http_detail;

namespace {

constexpr std::string_view other_label = "other";

/// The method as a metric label: the methods HTTP defines, else "other",
/// so that a client cannot add label values without bound.
std::string_view method_label(const std::string& method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE",
                                 "PATCH", "OPTIONS", "CONNECT", "TRACE"})
    if (method == known)
      return known;
  return other_label;
}

bool is_param(std::string_view part) {
  return part.size() >= 2 && part.front() == '{' && part.back() == '}';
}

/// True when `pattern` matches `segments`; with `params`, appends the
/// segments its `{name}` parts matched.
bool matches(std::string_view pattern, const std::vector<std::string>& segs,
             std::vector<size_t>* params = nullptr) {
  pattern.remove_prefix(1);
  size_t i = 0;
  while (true) {
    auto slash = pattern.find('/');
    auto part = pattern.substr(0, slash);
    if (i == segs.size())
      return false;
    if (is_param(part)) {
      if (params)
        params->push_back(i);
    } else if (part != segs[i]) {
      return false;
    }
    ++i;
    if (slash == std::string_view::npos)
      return i == segs.size();
    pattern.remove_prefix(slash + 1);
  }
}

/// The first row whose pattern matches; null when none does.
const http_route* find_route(const std::vector<std::string>& segs) {
  for (const auto& row : http_router::routes())
    if (matches(row.pattern, segs))
      return &row;
  return nullptr;
}

http_reply not_found_route(const http_request& req, std::string_view path) {
  return problem_reply(
      problem{errc::not_found,
              "No route for " + req.method + " " + std::string{path} + ".",
              {}});
}

http_reply no_such_intent(const std::string& id) {
  return problem_reply(
      problem{errc::not_found, "No intent with id '" + id + "'.", {}});
}

/// Answers an engine's record with 200 and the record's JSON.
reply<intent_record> record_answer(reply_fn done,
                                   const token_registry& tokens) {
  return respond<intent_record>(
      std::move(done), [&tokens](const intent_record& rec) {
        return http_reply{200, render_record(rec, tokens), {}};
      });
}

} // namespace

request_path parse_target(std::string_view target) {
  request_path out;
  auto qmark = target.find('?');
  out.path = target.substr(0, qmark);
  if (qmark != std::string_view::npos)
    out.query = target.substr(qmark + 1);
  auto path = out.path;
  if (path.empty() || path.front() != '/')
    return out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.segments.push_back(
        url_decode(path.substr(0, slash), false, out.well_formed));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string route_template(std::string_view target) {
  auto route = find_route(parse_target(target).segments);
  return std::string{route ? route->pattern : other_label};
}

const std::vector<http_route>& http_router::routes() {
  using call = const route_call&;
  // Ids in a path are checked before the engine sees them, after the admin
  // check where there is one.
  static const std::vector<http_route> table = {
      {"GET", "/healthz",
       [](http_router& r, call, reply_fn done) {
         r.liveness(std::move(done));
       }},
      {"GET", "/readyz",
       [](http_router& r, call, reply_fn done) {
         r.readiness(std::move(done));
       }},
      {"GET", "/metrics",
       [](http_router& r, call, reply_fn done) {
         r.expose_metrics(std::move(done));
       }},
      {"GET", "/api/v1/intents",
       [](http_router& r, call c, reply_fn done) {
         r.list(c.req, c.query, std::move(done));
       }},
      {"POST", "/api/v1/intents",
       [](http_router& r, call c, reply_fn done) {
         r.submit(c.req, std::move(done));
       }},
      {"GET", "/api/v1/intents/by-tx/{hash}",
       [](http_router& r, call c, reply_fn done) {
         r.engine_.find_by_tx(
             c.params[0], record_answer(std::move(done), r.engine_.tokens()));
       }},
      {"GET", "/api/v1/intents/{id}",
       [](http_router& r, call c, reply_fn done) {
         if (!valid_intent_id(c.params[0], r.limits_.max_id_length))
           return done(no_such_intent(c.params[0]));
         r.get(c.req, c.params[0], c.query, std::move(done));
       }},
      {"POST", "/api/v1/intents/{id}/cancel",
       [](http_router& r, call c, reply_fn done) {
         if (!valid_intent_id(c.params[0], r.limits_.max_id_length))
           return done(no_such_intent(c.params[0]));
         r.cancel(c.req, c.params[0], std::move(done));
       }},
      {"GET", "/api/v1/dead-letters",
       [](http_router& r, call c, reply_fn done) {
         r.dead_letters(c.req, c.query, std::move(done));
       }},
      {"DELETE", "/api/v1/dead-letters/{id}",
       [](http_router& r, call c, reply_fn done) {
         if (auto denied = r.deny_admin(c.req))
           return done(std::move(*denied));
         if (!valid_intent_id(c.params[0], r.limits_.max_id_length))
           return done(no_such_intent(c.params[0]));
         r.engine_.purge_dead_letter(
             c.params[0], record_answer(std::move(done), r.engine_.tokens()));
       }},
      {"POST", "/api/v1/dead-letters/{id}/retry",
       [](http_router& r, call c, reply_fn done) {
         if (auto denied = r.deny_admin(c.req))
           return done(std::move(*denied));
         if (!valid_intent_id(c.params[0], r.limits_.max_id_length))
           return done(no_such_intent(c.params[0]));
         r.engine_.retry_dead_letter(
             c.params[0], record_answer(std::move(done), r.engine_.tokens()));
       }},
      {"POST", "/api/v1/accounts/{account}/keys",
       [](http_router& r, call c, reply_fn done) {
         r.register_key(c.req, c.params[0], std::move(done));
       }},
      {"GET", "/api/v1/solvers",
       [](http_router& r, call, reply_fn done) { r.solvers(std::move(done)); }},
      {"GET", "/api/v1/cluster",
       [](http_router& r, call, reply_fn done) { r.cluster(std::move(done)); }},
      {"GET", websocket_route, nullptr},
      {"GET", solver_websocket_route, nullptr},
  };
  return table;
}

void http_router::handle(const http_request& req, reply_fn done) {
  auto started = std::chrono::steady_clock::now();
  auto target = parse_target(req.target);
  auto route = find_route(target.segments);
  auto label = route ? route->pattern : other_label;
  dispatch(req, target, route,
           [m = metrics_, method = method_label(req.method), label, started,
            done = std::move(done)](http_reply rep) {
             std::chrono::duration<double> took =
                 std::chrono::steady_clock::now() - started;
             m->http_request(method, label, rep.status, took.count());
             done(std::move(rep));
           });
}

void http_router::dispatch(const http_request& req, request_path& target,
                           const http_route* route, reply_fn done) {
  if (!target.well_formed)
    return done(problem_reply(
        problem{errc::bad_request, "The path has a malformed %-escape.", {}}));
  if (!route || !route->handler)
    return done(not_found_route(req, target.path));
  // HEAD is answered as GET; the session sends the headers only.
  std::string_view method = req.method;
  if (method == "HEAD")
    method = "GET";
  std::string allow;
  for (const auto& row : routes()) {
    if (row.pattern != route->pattern)
      continue;
    if (row.method == method) {
      route_call call{req, {}, target.query};
      std::vector<size_t> at;
      matches(row.pattern, target.segments, &at);
      for (auto i : at)
        call.params.push_back(std::move(target.segments[i]));
      return row.handler(*this, call, std::move(done));
    }
    allow += allow.empty() ? "" : ", ";
    allow += row.method;
    if (row.method == "GET")
      allow += ", HEAD";
  }
  auto rep =
      error_reply(405, "method_not_allowed",
                  "Use " + allow + " on " + std::string{target.path} + ".");
  rep.headers.emplace_back("Allow", allow);
  done(std::move(rep));
}

} // namespace intentd

#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/http/limits.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/validation.hpp"

namespace intentd::cfg {
struct config;
} // namespace intentd::cfg

namespace intentd {

class engine_core;
class engine_metrics;

/// A request as the router sees it, free of the HTTP library's types.
struct http_request {
  std::string method; // "GET", "POST", ...
  std::string target; // path and query, still URL-encoded
  std::string content_type;
  std::string body;
  std::string peer;          // the client's IP address as connected
  std::string forwarded_for; // X-Forwarded-For, believed from trusted proxies
  std::string api_key;       // the header named by rate_limits.api_key_header
  std::string authorization; // the Authorization header
  bool loopback = false;     // the client connected from 127.0.0.0/8 or ::1
};

/// A JSON response; the session adds Content-Type, Content-Length, Server
/// and Connection.
struct http_reply {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The HTTP status of an error code (DESIGN.md "HTTP API").
unsigned http_status(errc code);

/// The error envelope as a reply, with Retry-After where the code calls
/// for it.
http_reply problem_reply(const problem& p);

/// An error envelope with a code outside errc (e.g. "method_not_allowed").
http_reply error_reply(unsigned status, std::string_view code,
                       std::string_view message);

/// Decodes %XX escapes, and '+' as a space when `plus_is_space`; sets `ok`
/// to false on a malformed escape.
std::string url_decode(std::string_view in, bool plus_is_space, bool& ok);

/// The WebSocket endpoint; the session upgrades it before the router runs.
inline constexpr std::string_view websocket_route = "/api/v1/ws";
/// The external solvers' WebSocket endpoint, upgraded the same way.
inline constexpr std::string_view solver_websocket_route = "/api/v1/solver-ws";

/// A request target as the router reads it, parsed once.
struct request_path {
  std::string_view path;             // up to '?', still %-encoded
  std::string_view query;            // after '?', still %-encoded
  std::vector<std::string> segments; // the path's segments, %-decoded
  bool well_formed = true;           // false on a malformed %-escape
};

/// Splits `target` ("/api/v1/intents/x?y") into path, segments and query.
/// A path that does not start with '/' has no segments.
request_path parse_target(std::string_view target);

/// What a route's handler gets: the request, the segments matched by the
/// pattern's `{name}` parts in order, and the query.
struct route_call {
  const http_request& req;
  std::vector<std::string> params;
  std::string_view query;
};

class http_router;

/// One row of the route table.
struct http_route {
  /// The method served; a GET route also answers HEAD.
  std::string_view method;
  /// The path, with `{name}` for a segment that varies. It is also the
  /// route's label in http_requests_total.
  std::string_view pattern;
  /// Answers the request; null for a path the session serves before the
  /// router sees it (the WebSocket upgrade), which the router answers 404.
  void (*handler)(http_router&, const route_call&,
                  std::function<void(http_reply)>);
};

/// The label of `target` in http_requests_total: the pattern of its route,
/// or "other" when no route has its path.
std::string route_template(std::string_view target);

/// Routes API requests to the engine. `handle` calls `done` exactly once,
/// either before it returns or later on an engine thread.
struct component_settings;

class http_router {
public:
  /// Takes its settings from settings_of(e.config()).
  explicit http_router(engine_core& e);
  /// Takes its settings (the validation and rate limits) from `s`, the
  /// settings of e.config().
  http_router(engine_core& e, const component_settings& s);

  /// The route table, in match order: the first pattern that matches a
  /// path is its route, and the rows with that pattern give the methods
  /// it allows.
  static const std::vector<http_route>& routes();

  /// Routes, answers, and counts the request in http_requests_total and
  /// http_request_duration_seconds by route template.
  void handle(const http_request& req, std::function<void(http_reply)> done);

  /// The metrics this router serves on /metrics: the engine's, or its own
  /// when the engine keeps none.
  engine_metrics& metrics() { return *metrics_; }
  /// The header whose value the session copies into http_request::api_key.
  const std::string& api_key_header() const {
    return limits_gate_.api_key_header();
  }
  /// The rate limits applied, and their counters.
  rate_limiter& rate_limits() { return limits_gate_.limiter(); }
  /// A WebSocket upgrade counts against the rules covering `websocket`:
  /// `done` gets the 429 to send instead, or nullopt when it may go on,
  /// exactly once (before this returns when counted on this node, else
  /// later on an engine thread).
  void admit_websocket(const http_request& req,
                       std::function<void(std::optional<http_reply>)> done);
  /// The reply refusing an admin call, or nullopt when it may go on.
  std::optional<http_reply> deny_admin(const http_request& req) const;

private:
  using reply_fn = std::function<void(http_reply)>;
  /// Answers a request whose path matched `route` (null: none).
  void dispatch(const http_request& req, request_path& target,
                const http_route* route, reply_fn done);
  void liveness(reply_fn done);
  void readiness(reply_fn done);
  void expose_metrics(reply_fn done);
  void submit(const http_request& req, reply_fn done);
  void get(const http_request& req, const std::string& id,
           std::string_view query, reply_fn done);
  void list(const http_request& req, std::string_view query, reply_fn done);
  void dead_letters(const http_request& req, std::string_view query,
                    reply_fn done);
  void solvers(reply_fn done);
  void cluster(reply_fn done);
  // Signed cancellation and key registration (routes_owner.cpp).
  void cancel(const http_request& req, const std::string& id, reply_fn done);
  void register_key(const http_request& req, const std::string& account,
                    reply_fn done);
  // Read access (routes_read_access.cpp).
  /// The read token the request carries (Authorization: Bearer); empty
  /// when it carries none (another bearer value is an admin key, for
  /// deny_admin to judge).
  static std::string read_token_of(const http_request& req);
  /// The account `token` (read_token_of) proves, answered through `done`
  /// exactly once, perhaps later on another thread (a cluster node may ask
  /// the account's home for its keys): nullopt when `token` is empty, the
  /// problem when it proves nobody or the keys could not be asked for.
  static void
  prove_reader(engine_core& engine, std::string token,
               std::function<void(outcome<std::optional<std::string>>)> done);
  /// What decides whether a listing may go on besides its reader, taken
  /// from the request as it arrives: its reader may be proven later.
  struct listing_access {
    bool owner_reads = false;               // security.read_access owner
    std::optional<http_reply> admin_denied; // deny_admin's answer
    bool presented_nothing = false; // neither Authorization nor an API key
    /// Under security.read_access owner, the reply refusing a listing of
    /// `account`'s intents (everyone's when empty) to a caller who proved
    /// `reader`; nullopt when it may go on.
    std::optional<http_reply>
    deny(const std::string& account,
         const std::optional<std::string>& reader) const;
  };
  listing_access listing_access_of(const http_request& req) const;
  /// True under security.read_access owner.
  bool owner_reads() const;

  engine_core& engine_;
  validation_limits limits_;
  std::shared_ptr<engine_metrics> metrics_;
  http_limits limits_gate_;
};

} // namespace intentd

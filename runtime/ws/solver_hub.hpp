#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "runtime/engine/solver_registry.hpp"
#include "runtime/settings/gateway_settings.hpp"
#include "runtime/ws/session_set.hpp"

namespace intentd {

class engine_metrics;
class solver_session;

/// The external solvers' side of the gateway (`GET /api/v1/solver-ws`):
/// takes over upgraded connections, challenges each, registers the ones
/// that prove a key of `solvers.external` in the registry, and closes them
/// when the server stops. Shared by the sessions, so it outlives them.
class solver_hub : public std::enable_shared_from_this<solver_hub> {
public:
  /// `metrics` may be null.
  solver_hub(std::shared_ptr<solver_registry> registry, solver_ws_options opts,
             std::shared_ptr<engine_metrics> metrics);

  /// Accepts the WebSocket handshake of `req` on `socket` and runs the
  /// session on the socket's executor. After `shutdown` the socket is
  /// closed instead.
  void start(boost::asio::ip::tcp::socket socket,
             boost::beast::http::request<boost::beast::http::string_body> req);

  /// Open solver connections, authenticated or not.
  size_t open() const { return sessions_.size(); }

  /// Closes every session with 1001 (going away); `force` closes their
  /// sockets at once instead. New connections are refused from then on.
  void shutdown(bool force);

  /// Waits up to `limit` for every session to end; true when none is left.
  bool wait_gone(std::chrono::milliseconds limit);

  solver_registry& registry() { return *registry_; }

  // For the sessions.
  const solver_ws_options& opts() const { return opts_; }
  /// Null when the engine keeps no metrics.
  engine_metrics* metrics() const { return metrics_.get(); }
  void remove(solver_session* s) { sessions_.remove(s); }

private:
  std::shared_ptr<solver_registry> registry_;
  solver_ws_options opts_;
  std::shared_ptr<engine_metrics> metrics_;
  session_set<solver_session> sessions_;
};

} // namespace intentd

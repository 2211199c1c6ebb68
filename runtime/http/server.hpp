#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/settings/gateway_settings.hpp"

namespace intentd {

class rate_limiter;

class engine_core;
struct component_settings;

/// The HTTP/1.1 gateway: an acceptor and one session per connection, run by
/// `threads` asio threads, answering from the engine. The engine must outlive
/// the server.
class http_server {
public:
  /// With the gateway's parts of `s` (http, ws, the validation and rate
  /// limits), the settings of the engine's config (settings_of).
  http_server(engine_core& e, const component_settings& s);
  /// Stops with no grace if still running.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, listens and starts the threads, then returns; call it once.
  /// Throws std::runtime_error when the address cannot be bound.
  void start();

  /// The bound port (the actual one when listening on port 0).
  uint16_t port() const;

  /// Stops accepting, closes idle connections, lets requests in flight finish
  /// for up to `grace`, then closes every connection and joins the threads.
  /// Idempotent and safe to call from any thread but an asio one.
  void stop(std::chrono::milliseconds grace);

  /// Open connections (HTTP and WebSocket), for tests and metrics.
  size_t connections() const;

  /// Open WebSocket connections (`GET /api/v1/ws`), for metrics.
  size_t ws_connections() const;

  /// WebSocket connections closed with 1013 because they read too slowly
  /// (their queue of notices was full), since start.
  uint64_t ws_dropped_slow() const;

  /// The rate limits applied to requests, with their counters.
  rate_limiter& rate_limits();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace intentd

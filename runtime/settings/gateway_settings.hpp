#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace intentd {

/// Limits and threading of the HTTP gateway (the `server` config section).
struct http_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint32_t threads = 2;
  uint64_t body_limit = 64 * 1024;
  uint32_t header_limit = 8 * 1024;
  /// Time to receive one whole request once it has begun.
  std::chrono::milliseconds read_timeout{10'000};
  /// Time a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Time the engine has to answer before the client gets 504.
  std::chrono::milliseconds request_timeout{10'000};
  uint32_t max_connections = 10'000;
};

/// Limits of WebSocket connections (the `notifier` config section).
struct ws_options {
  /// Notices waiting to be written; past it the client is closed with 1013.
  uint32_t max_queued = 256;
  /// A ping after this long without a frame from the client; closed after
  /// twice this long.
  std::chrono::milliseconds ping_interval{30'000};
  /// Time for the opening and the closing handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
  uint32_t max_message_bytes = 4096;
  uint32_t send_buffer_bytes = 0; // 0: the system's
};

/// Limits of external solver connections (`GET /api/v1/solver-ws`): those
/// of the notifier's connections, and a deadline for the `auth` message.
struct solver_ws_options {
  ws_options link;
  /// A connection that has not authenticated this long after its
  /// challenge is closed with 1008.
  std::chrono::milliseconds auth_timeout{5'000};
};

} // namespace intentd

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "runtime/settings/gateway_settings.hpp"
#include "runtime/ws/session_set.hpp"

namespace intentd {

class engine_core;
class engine_metrics;
class ws_session;

/// The WebSocket side of the gateway (`GET /api/v1/ws`): takes over
/// upgraded connections, keeps them for counting and closes them when the
/// server stops. Shared by the sessions, so it outlives them.
class ws_hub : public std::enable_shared_from_this<ws_hub> {
public:
  ws_hub(engine_core& e, ws_options opts);

  /// Accepts the WebSocket handshake of `req` on `socket` and runs the
  /// session on the socket's executor (a strand). `admin`: the upgrade
  /// request passed the admin endpoints' check, so the session may follow
  /// any account. After `shutdown` the socket is closed instead.
  void start(boost::asio::ip::tcp::socket socket,
             boost::beast::http::request<boost::beast::http::string_body> req,
             bool admin);

  /// Open WebSocket connections.
  size_t open() const { return sessions_.size(); }
  /// Connections closed with 1013 because their queue was full.
  uint64_t dropped_slow() const { return dropped_slow_.load(); }

  /// Closes every session with 1001 (going away); `force` closes their
  /// sockets at once instead. New connections are refused from then on.
  void shutdown(bool force);

  /// Waits up to `limit` for every session to end; true when none is left.
  bool wait_gone(std::chrono::milliseconds limit);

  /// Called on the thread that ended a session, once it left the count
  /// (the server may destroy the io_contexts from then on). Set it before
  /// the first session starts; for tests of the teardown's order.
  void on_removed(std::function<void()> hook) { on_removed_ = std::move(hook); }

  // For the sessions.
  engine_core& eng() { return engine_; }
  const ws_options& opts() const { return opts_; }
  void count_slow();
  void remove(ws_session* s);

private:
  engine_core& engine_;
  std::shared_ptr<engine_metrics> metrics_; // null for engines without
  ws_options opts_;
  session_set<ws_session> sessions_;
  std::atomic<uint64_t> dropped_slow_{0};
  std::function<void()> on_removed_;
};

} // namespace intentd

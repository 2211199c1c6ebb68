#pragma once

// The WebSocket mechanics that every server-side connection of intentd
// shares: the accept with its limits and keep-alive pings, one message read
// at a time, at most one write in flight from a bounded queue, a slow peer
// closed with 1013, and the closing handshake. Included only by the .cpp
// files of runtime/ws/, which keeps Beast's WebSocket headers out of the
// rest.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>

#include "runtime/settings/gateway_settings.hpp"

namespace intentd::ws_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using frame_ptr = std::shared_ptr<const std::string>;

/// One accepted WebSocket connection. A subclass says what a message means
/// (on_message) and what opening, ending and a slow peer mean to it.
class connection : public std::enable_shared_from_this<connection> {
public:
  /// `on_destroyed` runs after every other member (the stream above all) is
  /// gone: the last reference may be dropped on another thread, and the
  /// server destroys its io_contexts (and Beast's websocket service with
  /// them) once its hubs hold no connection.
  connection(tcp::socket&& socket, http::request<http::string_body> req,
             const ws_options& opts, std::function<void()> on_destroyed);
  virtual ~connection() = default;

  void run();

  /// From any thread: queues a text frame, or refuses it when the queue is
  /// full (the connection is then closed as slow).
  bool offer(const frame_ptr& frame);

  /// Posted by a hub while the server stops: 1001, or the socket closed at
  /// once when `force`.
  void shutdown(bool force);

  net::any_io_executor executor() { return ws_.get_executor(); }

protected:
  /// The handshake is done; reading starts after it unless it closed.
  virtual void on_open() = 0;
  /// One whole message (`text`: a text frame, else binary).
  virtual void on_message(std::string payload, bool text) = 0;
  /// No more frames go out: the peer closed, the connection failed, or it
  /// is being closed. Called at least once, possibly more.
  virtual void on_stopped() {}
  /// The queue overflowed; the connection closes with 1013 after this.
  virtual void on_slow() {}

  const ws_options& opts() const { return opts_; }
  bool closing() const { return closing_; }
  tcp::endpoint remote() const { return remote_; }

  /// A frame of our own on this connection's executor, through the same
  /// bounded queue.
  void send_local(const frame_ptr& frame);
  /// Stops taking frames, drops what waits (but the frame being written)
  /// and sends a close frame once the write in flight is done. A peer that
  /// does not answer is cut off after the handshake timeout.
  void start_close(websocket::close_code code, std::string reason = {});
  void hard_close();
  /// Called from on_message: the next message is not read until
  /// resume_reading, so that a message answered later (on another thread)
  /// is still answered before the ones after it.
  void hold_reading() { held_ = true; }
  /// On this connection's executor: reads the next message again.
  void resume_reading();

private:
  void do_accept();
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t);
  void on_control(websocket::frame_type kind);
  void fail_protocol();
  void enqueue(const frame_ptr& frame);
  void do_write();
  void on_write(beast::error_code ec, std::size_t);
  void overflowed();
  void do_close();

  struct finally {
    std::function<void()> fn;
    ~finally() {
      if (fn)
        fn();
    }
  };
  // Declared first: destroyed last.
  finally destroyed_;
  ws_options opts_;
  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::string_body> req_;
  tcp::endpoint remote_;
  beast::flat_buffer buffer_;
  std::deque<frame_ptr> queue_;
  /// Frames accepted and not yet written (or dropped); counted across
  /// threads so that another thread can be refused at once.
  std::atomic<uint32_t> queued_{0};
  net::steady_timer close_timer_;
  websocket::close_reason close_reason_{websocket::close_code::normal};
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool held_ = false; // see hold_reading
};

} // namespace intentd::ws_detail

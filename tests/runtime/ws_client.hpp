#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace intentd::test {

/// A WebSocket client of /api/v1/ws (or `target`) on 127.0.0.1:port. Every
/// operation is bounded by `timeout`; connect and send throw
/// std::runtime_error when they fail.
class ws_client {
public:
  using json = nlohmann::json;

  /// `receive_buffer` > 0 sets a small SO_RCVBUF before connecting, to
  /// play a client that reads slowly; `headers` go on the upgrade request.
  explicit ws_client(
      uint16_t port, int receive_buffer = 0,
      std::chrono::milliseconds timeout = std::chrono::seconds{10},
      std::vector<std::pair<std::string, std::string>> headers = {},
      const std::string& target = "/api/v1/ws")
      : ws_(ioc_), timeout_(timeout) {
    ws_.control_callback([this](boost::beast::websocket::frame_type kind,
                                boost::beast::string_view) {
      if (kind == boost::beast::websocket::frame_type::ping)
        ++pings_;
    });
    if (!headers.empty())
      ws_.set_option(boost::beast::websocket::stream_base::decorator(
          [headers](boost::beast::websocket::request_type& req) {
            for (const auto& [name, value] : headers)
              req.set(name, value);
          }));
    namespace net = boost::asio;
    auto& tcp = boost::beast::get_lowest_layer(ws_);
    tcp.socket().open(net::ip::tcp::v4());
    if (receive_buffer > 0)
      tcp.socket().set_option(
          net::socket_base::receive_buffer_size(receive_buffer));
    net::ip::tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    run("connect", [&](auto done) { tcp.async_connect(ep, done); });
    run("handshake",
        [&](auto done) { ws_.async_handshake("127.0.0.1", target, done); });
  }

  void send(const std::string& text) {
    ws_.text(true);
    run("write",
        [&](auto done) { ws_.async_write(boost::asio::buffer(text), done); });
  }

  void send(const json& msg) { send(msg.dump()); }

  /// The next message; nullopt once the connection is closed or the
  /// timeout passed (see `error()` and `close_code()`).
  std::optional<json> read() {
    buffer_.clear();
    auto ec = run_ec([&](auto done) { ws_.async_read(buffer_, done); });
    if (ec) {
      error_ = ec;
      return std::nullopt;
    }
    return json::parse(boost::beast::buffers_to_string(buffer_.data()));
  }

  /// Reads until an intent-update for `intent_id` with `status` arrives;
  /// every message read on the way is appended to `seen`.
  bool read_until(const std::string& intent_id, const std::string& status,
                  std::vector<json>& seen) {
    while (auto m = read()) {
      seen.push_back(*m);
      if ((*m)["event"] == "intent-update" && (*m)["intent_id"] == intent_id &&
          (*m)["status"] == status)
        return true;
    }
    return false;
  }

  boost::beast::error_code error() const { return error_; }
  /// Pings received (and answered, while a read runs) so far.
  unsigned pings() const { return pings_; }
  /// The close code the server sent (0 when none).
  unsigned close_code() const { return ws_.reason().code; }

  /// Sends a close frame with `code` and waits for the server's.
  void close(uint16_t code = boost::beast::websocket::close_code::normal) {
    run_ec([&](auto done) {
      ws_.async_close(boost::beast::websocket::close_reason{code}, done);
    });
  }

private:
  template<class Start>
  boost::beast::error_code run_ec(Start start) {
    boost::beast::error_code result;
    boost::beast::get_lowest_layer(ws_).expires_after(timeout_);
    start([&](boost::beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  template<class Start>
  void run(const char* what, Start start) {
    if (auto ec = run_ec(start))
      throw std::runtime_error(std::string{what} + ": " + ec.message());
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  boost::beast::error_code error_;
  std::atomic<unsigned> pings_{0};
};

} // namespace intentd::test

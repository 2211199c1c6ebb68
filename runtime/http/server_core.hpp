#pragma once

// The gateway's internals, shared by server.cpp (the acceptor, the
// threads, start and stop) and session.cpp (one HTTP connection).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "runtime/http/router.hpp"
#include "runtime/http/server.hpp"
#include "runtime/ws/session.hpp"
#include "runtime/ws/session_set.hpp"
#include "runtime/ws/solver_hub.hpp"

namespace intentd::http_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::chrono::milliseconds max_drain_time{1'000};
constexpr size_t max_drain_bytes = 1 << 20;
constexpr std::chrono::milliseconds force_close_wait{1'000};
/// Bytes read from a connection at a time; the session's buffer holds at
/// most `header_limit` plus this much.
constexpr size_t read_chunk = 16 * 1024;
const std::string ws_path{websocket_route};
const std::string solver_ws_path{solver_websocket_route};

// Each HTTP thread runs an io_context of its own, and each connection stays
// on one of them: its handlers never run concurrently, without a strand, and
// on a concrete executor rather than a type-erased one.
using executor_type = net::io_context::executor_type;
using socket_type = net::basic_stream_socket<tcp, executor_type>;
using stream_type = beast::basic_stream<tcp, executor_type>;
using timer_type =
    net::basic_waitable_timer<std::chrono::steady_clock,
                              net::wait_traits<std::chrono::steady_clock>,
                              executor_type>;

// Engine replies cross into asio only while the io_context lives.
struct reply_gate {
  std::mutex mu;
  bool open = true;
};

class session;

struct server_core {
  /// The gateway's parts of `s`, the settings of e.config().
  server_core(engine_core& e, const component_settings& s);

  void start();
  void stop(std::chrono::milliseconds grace);
  void do_accept();
  void on_accept(beast::error_code ec, socket_type socket);
  size_t connections();

  http_options opts;
  http_router router;
  std::shared_ptr<ws_hub> ws; // WebSocket connections, after the upgrade
  std::shared_ptr<solver_hub> solvers; // external solvers' connections
  std::shared_ptr<reply_gate> gate = std::make_shared<reply_gate>();
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  bool started = false;
  bool stopped = false;
  uint16_t bound_port = 0;
  session_set<session> sessions;
  std::vector<std::thread> threads;
  // Declared last: destroyed first, while the members above still live.
  // One per thread; the first also runs the acceptor.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<executor_type>> work;
  size_t next_context = 0;
  std::optional<net::basic_socket_acceptor<tcp, executor_type>> acceptor;
  std::optional<timer_type> accept_backoff;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(socket_type&& socket, server_core& server, bool reject);

  ~session() { server_.sessions.remove(this); }

  void run();

  /// Posted by the server while it stops.
  void shutdown(bool force);

  void on_reply(uint64_t generation, http_reply rep);

  /// The rate limits' answer to the WebSocket upgrade of `generation`:
  /// the 429 to send, or nullopt to hand the connection over.
  void on_websocket_admitted(uint64_t generation,
                             std::optional<http_reply> refused, bool admin,
                             bool solver);

  executor_type executor() { return stream_.get_executor(); }

private:
  enum class state { idle, reading, waiting, writing, closing };

  const http_options& opts() const { return server_.opts; }

  void do_read();

  void on_first_bytes(beast::error_code ec, std::size_t n);

  void read_header();

  /// Feeds the parser until the header is complete, counting every byte of
  /// the header block against `header_limit`.
  void parse_header();

  void on_header_bytes(beast::error_code ec, std::size_t n);

  void on_header(beast::error_code ec, std::size_t);

  /// Feeds the parser until the message is complete; what it holds unparsed
  /// (a chunk line, the last chunk with its trailer fields) and the trailer
  /// section count against what the header left of `header_limit`.
  void parse_body();

  void on_body_bytes(beast::error_code ec, std::size_t n);

  /// Removes the trailer fields the parser added to the request's fields.
  void drop_trailers();

  /// Reads more into the buffer, then calls `next`.
  void read_more(void (session::*next)(beast::error_code, std::size_t));

  /// The request as the router sees it, without its body.
  http_request describe(const http::request<http::string_body>& req) const;

  void on_read(beast::error_code ec, std::size_t);

  void on_request_timeout(uint64_t generation);

  /// Sends `refused`, or hands the connection to the WebSocket server.
  /// `solver`: the upgrade is for GET /api/v1/solver-ws.
  void finish_upgrade(std::optional<http_reply> refused, bool admin,
                      bool solver);

  void send(http_reply rep, bool keep_alive);

  void on_write(bool keep_alive, beast::error_code ec, std::size_t);

  // Half-closes, then reads what the client still sends so that it sees the
  // response rather than a reset.
  void do_close();

  void do_drain();

  /// The session whose request the router is handling on this thread.
  static thread_local session* answering;

  stream_type stream_;
  beast::flat_buffer buffer_;
  std::optional<http_reply> inline_reply_;
  std::optional<http::request_parser<http::string_body>> parser_;
  size_t header_bytes_ = 0;  // the header block and trailer section so far
  size_t header_fields_ = 0; // fields of the header; trailers come after
  bool head_ = false;        // the request is HEAD: the reply has no body
  std::string target_;       // the request target in origin form
  http::response<http::empty_body> continue_;
  std::string out_; // the response being written
  timer_type request_timer_;
  server_core& server_;
  bool reject_ = false;
  bool first_ = true;
  bool keep_alive_ = false;
  bool stopping_ = false;
  state state_ = state::idle;
  uint64_t generation_ = 0;
  size_t drained_ = 0;
  std::string peer_;
  bool loopback_ = false; // the peer is 127.0.0.0/8 or ::1
};

} // namespace intentd::http_detail

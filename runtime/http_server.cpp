#include "runtime/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "runtime/engine.hpp"
#include "runtime/http_routes.hpp"
#include "runtime/session_set.hpp"
#include "runtime/ws_session.hpp"

namespace intentd {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds max_drain_time{1'000};
constexpr size_t max_drain_bytes = 1 << 20;
constexpr std::chrono::milliseconds force_close_wait{1'000};
const std::string ws_path = "/api/v1/ws";

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
  server_core(engine& e, http_options o)
      : opts(std::move(o)), router(e),
        ws(std::make_shared<ws_hub>(e, ws_options::from_config(e.config()))) {
    auto count = std::max<uint32_t>(1, opts.threads);
    for (uint32_t i = 0; i < count; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      work.push_back(net::make_work_guard(contexts.back()->get_executor()));
    }
    acceptor.emplace(contexts.front()->get_executor());
    accept_backoff.emplace(contexts.front()->get_executor());
  }

  void start();
  void stop(std::chrono::milliseconds grace);
  void do_accept();
  void on_accept(beast::error_code ec, socket_type socket);
  size_t connections();

  http_options opts;
  http_router router;
  std::shared_ptr<ws_hub> ws; // WebSocket connections, after the upgrade
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
  session(socket_type&& socket, server_core& server, bool reject)
      : stream_(std::move(socket)), request_timer_(stream_.get_executor()),
        server_(server), reject_(reject) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      peer_ = remote.address().to_string();
      auto address = remote.address();
      if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = address.to_v6().to_v4();
      loopback_ = address.is_loopback();
    }
  }

  ~session() { server_.sessions.remove(this); }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reject_)
        return self->send(
            problem_reply(problem{errc::overloaded,
                                  "The server has too many open connections.",
                                  {}}),
            false);
      self->do_read();
    });
  }

  /// Posted by the server while it stops.
  void shutdown(bool force) {
    stopping_ = true;
    if (force || state_ == state::idle) {
      request_timer_.cancel();
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

  void on_reply(uint64_t generation, http_reply rep) {
    if (generation != generation_ || state_ != state::waiting)
      return;
    request_timer_.cancel();
    send(std::move(rep), keep_alive_);
  }

  executor_type executor() { return stream_.get_executor(); }

private:
  enum class state { idle, reading, waiting, writing, closing };

  const http_options& opts() const { return server_.opts; }

  void do_read() {
    if (stopping_ || server_.stopping)
      return do_close();
    parser_.emplace();
    parser_->body_limit(opts().body_limit);
    parser_->header_limit(opts().header_limit);
    if (buffer_.size() > 0)
      return read_header();
    state_ = state::idle;
    stream_.expires_after(first_ ? opts().read_timeout : opts().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&session::on_first_bytes,
                                                      shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    if (ec)
      return;
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    state_ = state::reading;
    stream_.expires_after(opts().read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read(ec, 0);
    auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue"))
      return read_body();
    continue_ = {http::status::continue_, parser_->get().version()};
    http::async_write(
        stream_, continue_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec)
            self->read_body();
        });
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  /// The request as the router sees it, without its body.
  http_request describe(const http::request<http::string_body>& req) const {
    http_request r;
    r.method = std::string{req.method_string()};
    r.target = std::string{req.target()};
    r.content_type = std::string{req[http::field::content_type]};
    r.peer = peer_;
    r.forwarded_for = std::string{req["X-Forwarded-For"]};
    r.api_key = std::string{req[server_.router.api_key_header()]};
    r.authorization = std::string{req[http::field::authorization]};
    r.loopback = loopback_;
    return r;
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return send(problem_reply(problem{errc::payload_too_large,
                                        "The request body is larger than " +
                                            std::to_string(opts().body_limit) +
                                            " bytes.",
                                        {}}),
                  false);
    if (ec == http::error::header_limit)
      return send(error_reply(431, "headers_too_large",
                              "The request headers are too large."),
                  false);
    if (ec && ec != http::error::end_of_stream &&
        ec != http::error::partial_message &&
        ec.category() ==
            http::make_error_code(http::error::bad_target).category())
      return send(problem_reply(problem{errc::bad_request,
                                        "The request is not valid HTTP/1.1.",
                                        {}}),
                  false);
    if (ec == http::error::end_of_stream)
      return do_close();
    if (ec)
      return;
    first_ = false;
    auto& req = parser_->get();
    if (req.target() == ws_path || req.target().rfind(ws_path + "?", 0) == 0) {
      if (!beast::websocket::is_upgrade(req))
        return send(error_reply(426, "upgrade_required",
                                "GET /api/v1/ws takes a WebSocket upgrade."),
                    false);
      if (auto refused = server_.router.admit_websocket(describe(req)))
        return send(std::move(*refused), false);
      stream_.expires_never();
      server_.ws->start(tcp::socket{stream_.release_socket()},
                        parser_->release());
      return;
    }
    keep_alive_ = req.keep_alive();
    http_request r = describe(req);
    r.body = std::move(req.body());
    state_ = state::waiting;
    auto generation = ++generation_;
    std::weak_ptr<session> weak = weak_from_this();
    auto gate = server_.gate;
    auto done = [weak, gate, generation, raw = this](http_reply rep) {
      // Answered while the router still runs on this session's thread:
      // kept for on_read to send, without a trip through the executor.
      if (answering == raw) {
        raw->inline_reply_ = std::move(rep);
        return;
      }
      std::lock_guard<std::mutex> lock(gate->mu);
      if (!gate->open)
        return;
      if (auto self = weak.lock()) {
        auto* s = self.get();
        net::post(s->executor(), [self = std::move(self), generation,
                                  rep = std::move(rep)]() mutable {
          self->on_reply(generation, std::move(rep));
        });
      }
    };
    answering = this;
    try {
      server_.router.handle(r, std::move(done));
    } catch (const std::exception&) {
      inline_reply_ =
          problem_reply(problem{errc::internal, "The request failed.", {}});
    }
    answering = nullptr;
    if (inline_reply_) {
      auto rep = std::move(*inline_reply_);
      inline_reply_.reset();
      return send(std::move(rep), keep_alive_);
    }
    // Posted replies run on this session's executor, so not before the
    // timer is armed.
    request_timer_.expires_after(opts().request_timeout);
    request_timer_.async_wait(
        [self = shared_from_this(), generation](beast::error_code ec) {
          if (!ec)
            self->on_request_timeout(generation);
        });
  }

  void on_request_timeout(uint64_t generation) {
    if (generation != generation_ || state_ != state::waiting)
      return;
    send(problem_reply(problem{errc::timeout,
                               "The engine did not answer in time; the "
                               "request may still take effect.",
                               {}}),
         keep_alive_);
  }

  void send(http_reply rep, bool keep_alive) {
    state_ = state::writing;
    keep_alive = keep_alive && !stopping_ && !server_.stopping;
    res_ = {};
    res_.version(11);
    res_.result(rep.status);
    res_.set(http::field::server, "intentd");
    res_.set(http::field::content_type, "application/json");
    for (auto& [name, value] : rep.headers)
      res_.set(name, value);
    res_.body() = std::move(rep.body);
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    stream_.expires_after(opts().read_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(
                          &session::on_write, shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec)
      return;
    if (!keep_alive)
      return do_close();
    do_read();
  }

  // Half-closes, then reads what the client still sends so that it sees the
  // response rather than a reset.
  void do_close() {
    state_ = state::closing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return;
    buffer_.clear();
    stream_.expires_after(std::min(opts().read_timeout, max_drain_time));
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > max_drain_bytes)
            return;
          self->do_drain();
        });
  }

  /// The session whose request the router is handling on this thread.
  static thread_local session* answering;

  stream_type stream_;
  beast::flat_buffer buffer_;
  std::optional<http_reply> inline_reply_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::empty_body> continue_;
  http::response<http::string_body> res_;
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

thread_local session* session::answering = nullptr;

void server_core::start() {
  if (started)
    throw std::logic_error("http_server already started");
  auto where = opts.host + ":" + std::to_string(opts.port);
  try {
    tcp::endpoint endpoint{net::ip::make_address(opts.host), opts.port};
    acceptor->open(endpoint.protocol());
    acceptor->set_option(net::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(net::socket_base::max_listen_connections);
    bound_port = acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + where + ": " +
                             e.code().message());
  }
  started = true;
  do_accept();
  for (auto& context : contexts)
    threads.emplace_back([ioc = context.get()] {
      while (true) {
        try {
          ioc->run();
          return;
        } catch (const std::exception&) {
        }
      }
    });
}

void server_core::do_accept() {
  auto& peer = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(peer,
                         [this](beast::error_code ec, socket_type socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void server_core::on_accept(beast::error_code ec, socket_type socket) {
  if (stopping || !acceptor->is_open())
    return;
  if (ec) {
    // Out of descriptors and the like: back off instead of spinning.
    accept_backoff->expires_after(std::chrono::milliseconds{50});
    accept_backoff->async_wait([this](beast::error_code ec) {
      if (!ec && !stopping)
        do_accept();
    });
    return;
  }
  auto reject = connections() >= opts.max_connections;
  auto s = std::make_shared<session>(std::move(socket), *this, reject);
  sessions.add(s);
  s->run();
  do_accept();
}

size_t server_core::connections() {
  return sessions.size() + ws->open();
}

void server_core::stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> once(stop_mu);
  if (!started || stopped)
    return;
  stopped = true;
  stopping = true;
  net::post(acceptor->get_executor(), [this] {
    beast::error_code ec;
    acceptor->close(ec);
    accept_backoff->cancel();
  });
  sessions.shutdown_all(false);
  ws->shutdown(false);
  auto deadline = std::chrono::steady_clock::now() + grace;
  if (!sessions.wait_empty(grace) ||
      !ws->wait_gone(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()))) {
    sessions.shutdown_all(true);
    ws->shutdown(true);
    sessions.wait_empty(force_close_wait);
    ws->wait_gone(force_close_wait);
  }
  work.clear();
  for (auto& context : contexts)
    context->stop();
  for (auto& t : threads)
    t.join();
  threads.clear();
  std::lock_guard<std::mutex> lock(gate->mu);
  gate->open = false;
}

} // namespace

struct http_server::impl : server_core {
  using server_core::server_core;
  ~impl() { stop(std::chrono::milliseconds{0}); }
};

http_options http_options::from_config(const cfg::server& server) {
  http_options o;
  const auto& listen = server.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    throw std::invalid_argument("server.listen: expected host:port, got '" +
                                listen + "'");
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = listen.substr(colon + 1);
  uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535)
      throw std::invalid_argument("server.listen: bad port in '" + listen +
                                  "'");
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  beast::error_code ec;
  net::ip::make_address(host, ec);
  if (host.empty() || ec || port > 65535)
    throw std::invalid_argument("server.listen: expected an IP address and a "
                                "port, got '" +
                                listen + "'");
  o.host = host;
  o.port = static_cast<uint16_t>(port);
  o.threads = server.threads;
  o.body_limit = server.body_limit;
  o.header_limit = server.header_limit;
  o.read_timeout = std::chrono::milliseconds{server.read_timeout_ms};
  o.idle_timeout = std::chrono::milliseconds{server.idle_timeout_ms};
  o.request_timeout = std::chrono::milliseconds{server.request_timeout_ms};
  o.max_connections = server.max_connections;
  return o;
}

http_server::http_server(engine& e, http_options opts)
    : impl_(std::make_unique<impl>(e, std::move(opts))) {}

http_server::~http_server() = default;

void http_server::start() {
  impl_->start();
}

uint16_t http_server::port() const {
  return impl_->bound_port;
}

void http_server::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}

size_t http_server::connections() const {
  return impl_->connections();
}

size_t http_server::ws_connections() const {
  return impl_->ws->open();
}

uint64_t http_server::ws_dropped_slow() const {
  return impl_->ws->dropped_slow();
}

rate_limiter& http_server::rate_limits() {
  return impl_->router.rate_limits();
}

} // namespace intentd

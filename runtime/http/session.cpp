// One HTTP/1.1 connection: reads a request, hands it to the router, writes
// the reply (at once when the router answers while still handling it, else
// when the engine posts it), keeps the connection alive or closes it.

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/http/framing.hpp"
#include "runtime/http/server_core.hpp"
#include "runtime/ws/handshake.hpp"

namespace intentd::http_detail {

thread_local session* session::answering = nullptr;

namespace {

/// Runs `fn(session&)` on the session's executor, unless the gateway has
/// closed (`gate`) or the session is gone. Called from engine threads.
template<class Fn>
void post_while_open(const std::weak_ptr<session>& weak, reply_gate& gate,
                     Fn fn) {
  std::lock_guard<std::mutex> lock(gate.mu);
  if (!gate.open)
    return;
  if (auto self = weak.lock()) {
    auto* s = self.get();
    net::post(s->executor(), [self = std::move(self),
                              fn = std::move(fn)]() mutable { fn(*self); });
  }
}

} // namespace

session::session(socket_type&& socket, server_core& server, bool reject)
    : stream_(std::move(socket)),
      buffer_(server.opts.header_limit + read_chunk),
      request_timer_(stream_.get_executor()), server_(server), reject_(reject) {
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

void session::run() {
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

void session::shutdown(bool force) {
  stopping_ = true;
  if (force || state_ == state::idle) {
    request_timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }
}

void session::on_reply(uint64_t generation, http_reply rep) {
  if (generation != generation_ || state_ != state::waiting)
    return;
  request_timer_.cancel();
  send(std::move(rep), keep_alive_);
}

void session::on_websocket_admitted(uint64_t generation,
                                    std::optional<http_reply> refused,
                                    bool admin, bool solver) {
  if (generation != generation_ || state_ != state::waiting)
    return;
  request_timer_.cancel();
  finish_upgrade(std::move(refused), admin, solver);
}

void session::finish_upgrade(std::optional<http_reply> refused, bool admin,
                             bool solver) {
  if (refused)
    return send(std::move(*refused), false);
  stream_.expires_never();
  if (solver) {
    server_.solvers->start(tcp::socket{stream_.release_socket()},
                           parser_->release());
    return;
  }
  server_.ws->start(tcp::socket{stream_.release_socket()}, parser_->release(),
                    admin);
}

void session::do_read() {
  if (stopping_ || server_.stopping)
    return do_close();
  parser_.emplace();
  parser_->body_limit(opts().body_limit);
  parser_->header_limit(opts().header_limit);
  header_bytes_ = 0;
  head_ = false;
  if (buffer_.size() > 0)
    return read_header();
  state_ = state::idle;
  stream_.expires_after(first_ ? opts().read_timeout : opts().idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(4096),
      beast::bind_front_handler(&session::on_first_bytes, shared_from_this()));
}

void session::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (ec)
    return;
  buffer_.commit(n);
  read_header();
}

void session::read_header() {
  state_ = state::reading;
  stream_.expires_after(opts().read_timeout);
  parse_header();
}

// Beast counts its header limit from where each call to `put` starts, and
// a call consumes the complete fields it was given: a header sent a few
// fields at a time would pass it. Every byte is counted here.
void session::parse_header() {
  auto limit = opts().header_limit;
  while (buffer_.size() > 0) {
    beast::error_code ec;
    auto n = parser_->put(buffer_.data(), ec);
    buffer_.consume(n);
    header_bytes_ += n;
    if (ec == http::error::need_more)
      break;
    if (ec)
      return on_read(ec, 0);
    if (parser_->is_header_done()) {
      if (header_bytes_ > limit)
        return on_read(http::error::header_limit, 0);
      return on_header({}, header_bytes_);
    }
    if (n == 0)
      break;
  }
  if (header_bytes_ + buffer_.size() > limit)
    return on_read(http::error::header_limit, 0);
  read_more(&session::on_header_bytes);
}

void session::on_header_bytes(beast::error_code ec, std::size_t n) {
  if (ec)
    return on_read(ec, 0);
  buffer_.commit(n);
  parse_header();
}

void session::read_more(void (session::*next)(beast::error_code, std::size_t)) {
  auto room = buffer_.max_size() - buffer_.size();
  if (room == 0)
    return on_read(http::error::header_limit, 0);
  stream_.async_read_some(buffer_.prepare(std::min(room, read_chunk)),
                          beast::bind_front_handler(next, shared_from_this()));
}

void session::on_header(beast::error_code ec, std::size_t) {
  if (ec)
    return on_read(ec, 0);
  const auto& req = parser_->get();
  head_ = req.method() == http::verb::head;
  if (auto wrong = framing_problem(req))
    return send(problem_reply(problem{errc::bad_request, *wrong, {}}), false);
  target_ = *origin_form(req.target());
  header_fields_ = static_cast<size_t>(std::distance(req.begin(), req.end()));
  auto expect = req[http::field::expect];
  if (!beast::iequals(expect, "100-continue"))
    return parse_body();
  continue_ = {http::status::continue_, req.version()};
  http::async_write(
      stream_, continue_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (!ec)
          self->parse_body();
      });
}

void session::parse_body() {
  auto limit = opts().header_limit;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    beast::error_code ec;
    auto n = parser_->put(buffer_.data(), ec);
    buffer_.consume(n);
    if (ec == http::error::need_more) {
      // Left unparsed: a chunk line or the last chunk with its trailers.
      if (buffer_.size() > limit - header_bytes_)
        return on_read(http::error::header_limit, 0);
      break;
    }
    if (ec)
      return on_read(ec, 0);
    // Not eager: each call takes one step, and the step that completes a
    // chunked body is the last chunk with the trailer section.
    if (parser_->is_done() && parser_->chunked()) {
      header_bytes_ += n;
      if (header_bytes_ > limit)
        return on_read(http::error::header_limit, 0);
      drop_trailers();
    }
    if (n == 0 && !parser_->is_done())
      break;
  }
  if (parser_->is_done())
    return on_read({}, 0);
  read_more(&session::on_body_bytes);
}

// Beast adds trailer fields to the header's; none of them may stand in for
// a header field (Content-Type, Authorization, X-API-Key...).
void session::drop_trailers() {
  auto& req = parser_->get();
  auto it = req.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(header_fields_));
  while (it != req.end())
    it = req.erase(it);
}

void session::on_body_bytes(beast::error_code ec, std::size_t n) {
  if (ec)
    return on_read(ec, 0);
  buffer_.commit(n);
  parse_body();
}

http_request
session::describe(const http::request<http::string_body>& req) const {
  http_request r;
  r.method = std::string{req.method_string()};
  r.target = target_;
  r.content_type = std::string{req[http::field::content_type]};
  r.peer = peer_;
  r.forwarded_for = std::string{req["X-Forwarded-For"]};
  r.api_key = std::string{req[server_.router.api_key_header()]};
  r.authorization = std::string{req[http::field::authorization]};
  r.loopback = loopback_;
  return r;
}

void session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit)
    return send(
        problem_reply(problem{errc::payload_too_large,
                              "The request body is larger than " +
                                  std::to_string(opts().body_limit) + " bytes.",
                              {}}),
        false);
  if (ec == http::error::header_limit)
    return send(error_reply(431, "headers_too_large",
                            "The request's header and trailer fields are "
                            "larger than " +
                                std::to_string(opts().header_limit) +
                                " bytes."),
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
  const auto on_path = [this](const std::string& path) {
    return target_ == path || target_.rfind(path + "?", 0) == 0;
  };
  const bool solver = on_path(solver_ws_path);
  if (solver || on_path(ws_path)) {
    if (!beast::websocket::is_upgrade(req))
      return send(error_reply(426, "upgrade_required",
                              "GET " + (solver ? solver_ws_path : ws_path) +
                                  " takes a WebSocket upgrade."),
                  false);
    if (!ws_detail::valid_websocket_key(req[http::field::sec_websocket_key]))
      return send(problem_reply(problem{errc::bad_request,
                                        "Sec-WebSocket-Key must be the "
                                        "base64 encoding of 16 bytes.",
                                        {}}),
                  false);
    http_request upgrade = describe(req);
    bool admin = !server_.router.deny_admin(upgrade);
    keep_alive_ = false;
    auto generation = ++generation_;
    std::weak_ptr<session> weak = weak_from_this();
    auto gate = server_.gate;
    // Counted on this node, the limits answer before admit_websocket
    // returns; counted at another node, later on an engine thread.
    std::optional<std::optional<http_reply>> decided;
    answering = this;
    server_.router.admit_websocket(
        upgrade, [weak, gate, generation, admin, solver, raw = this,
                  slot = &decided](std::optional<http_reply> refused) {
          if (answering == raw) {
            *slot = std::move(refused);
            return;
          }
          post_while_open(weak, *gate,
                          [generation, admin, solver,
                           refused = std::move(refused)](session& s) mutable {
                            s.on_websocket_admitted(
                                generation, std::move(refused), admin, solver);
                          });
        });
    answering = nullptr;
    if (decided)
      return finish_upgrade(std::move(*decided), admin, solver);
    state_ = state::waiting;
    request_timer_.expires_after(opts().request_timeout);
    request_timer_.async_wait(
        [self = shared_from_this(), generation](beast::error_code ec) {
          if (!ec)
            self->on_request_timeout(generation);
        });
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
    post_while_open(weak, *gate,
                    [generation, rep = std::move(rep)](session& s) mutable {
                      s.on_reply(generation, std::move(rep));
                    });
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

void session::on_request_timeout(uint64_t generation) {
  if (generation != generation_ || state_ != state::waiting)
    return;
  send(problem_reply(problem{errc::timeout,
                             "The engine did not answer in time; the "
                             "request may still take effect.",
                             {}}),
       keep_alive_);
}

void session::send(http_reply rep, bool keep_alive) {
  state_ = state::writing;
  keep_alive = keep_alive && !stopping_ && !server_.stopping;
  // The whole response in one buffer, one write: status line, headers (the
  // reply's own replace the defaults of the same name), body.
  auto has = [&rep](std::string_view name) {
    for (auto& h : rep.headers)
      if (beast::iequals(h.first, name))
        return true;
    return false;
  };
  out_.clear();
  out_ += "HTTP/1.1 ";
  out_ += std::to_string(rep.status);
  out_ += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(rep.status));
  out_.append(reason.data(), reason.size());
  out_ += "\r\n";
  if (!has("Server"))
    out_ += "Server: intentd\r\n";
  if (!has("Content-Type"))
    out_ += "Content-Type: application/json\r\n";
  for (auto& [name, value] : rep.headers) {
    out_ += name;
    out_ += ": ";
    out_ += value;
    out_ += "\r\n";
  }
  out_ += "Content-Length: ";
  out_ += std::to_string(rep.body.size());
  out_ += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  // The answer to HEAD has the headers a GET would have, without its body.
  if (!head_)
    out_ += rep.body;
  stream_.expires_after(opts().read_timeout);
  net::async_write(stream_, net::buffer(out_),
                   beast::bind_front_handler(&session::on_write,
                                             shared_from_this(), keep_alive));
}

void session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec)
    return;
  if (!keep_alive)
    return do_close();
  do_read();
}

void session::do_close() {
  state_ = state::closing;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return;
  buffer_.clear();
  stream_.expires_after(std::min(opts().read_timeout, max_drain_time));
  do_drain();
}

void session::do_drain() {
  stream_.async_read_some(
      buffer_.prepare(4096),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->drained_ += n;
        if (ec || self->drained_ > max_drain_bytes)
          return;
        self->do_drain();
      });
}

} // namespace intentd::http_detail

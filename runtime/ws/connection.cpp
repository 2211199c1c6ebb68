#include "runtime/ws/connection.hpp"

#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "runtime/ws/handshake.hpp"

namespace intentd::ws_detail {

connection::connection(tcp::socket&& socket,
                       http::request<http::string_body> req,
                       const ws_options& opts,
                       std::function<void()> on_destroyed)
    : destroyed_{std::move(on_destroyed)}, opts_(opts), ws_(std::move(socket)),
      req_(std::move(req)), close_timer_(ws_.get_executor()) {
  beast::error_code ec;
  remote_ = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
}

void connection::run() {
  net::dispatch(ws_.get_executor(),
                [self = shared_from_this()] { self->do_accept(); });
}

bool connection::offer(const frame_ptr& frame) {
  if (queued_.fetch_add(1) >= opts_.max_queued) {
    queued_.fetch_sub(1);
    net::post(ws_.get_executor(),
              [self = shared_from_this()] { self->overflowed(); });
    return false;
  }
  net::post(ws_.get_executor(),
            [self = shared_from_this(), frame] { self->enqueue(frame); });
  return true;
}

void connection::shutdown(bool force) {
  if (force)
    return hard_close();
  start_close(websocket::close_code::going_away);
}

void connection::do_accept() {
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout t;
  t.handshake_timeout = opts_.handshake_timeout;
  t.idle_timeout = 2 * opts_.ping_interval;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "intentd");
      }));
  ws_.read_message_max(opts_.max_message_bytes);
  // Called from within this connection's reads, so `this` is alive.
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    on_control(kind);
  });
  // Messages are small and should leave at once.
  beast::error_code ec;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  sock.set_option(tcp::no_delay(true), ec);
  if (opts_.send_buffer_bytes > 0)
    sock.set_option(net::socket_base::send_buffer_size(opts_.send_buffer_bytes),
                    ec);
  ws_.async_accept(req_, beast::bind_front_handler(&connection::on_accept,
                                                   shared_from_this()));
}

void connection::on_accept(beast::error_code ec) {
  req_ = {};
  if (ec)
    return;
  on_open();
  if (!closing_)
    do_read();
}

void connection::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_read,
                                                    shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
  // Closed by the peer, timed out, too big (Beast closes with 1009) or
  // torn down: nothing more to send.
  if (ec)
    return on_stopped();
  if (closing_)
    return;
  auto payload = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  on_message(std::move(payload), ws_.got_text());
  if (!closing_ && !held_)
    do_read();
}

void connection::resume_reading() {
  if (!held_)
    return;
  held_ = false;
  if (!closing_)
    do_read();
}

// Beast refuses the close codes RFC 6455 reserves below 3000 (failing the
// connection with 1002) but echoes any from 3000 up, while none past 4999
// is allowed: those fail the connection with 1002 here.
void connection::on_control(websocket::frame_type kind) {
  if (kind != websocket::frame_type::close)
    return;
  auto code = ws_.reason().code;
  if (code == websocket::close_code::none || valid_close_code(code))
    return;
  fail_protocol();
}

/// Sends a close frame with 1002 and half-closes, before Beast (which
/// writes its echo once the control callback returns) can answer; its echo
/// then fails on the closed side. With a frame of ours half-written the
/// socket is shut down without a close frame.
void connection::fail_protocol() {
  closing_ = true;
  close_sent_ = true;
  on_stopped();
  close_timer_.cancel();
  beast::error_code ec;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  if (writing_)
    return hard_close();
  static const unsigned char frame[] = {0x88, 0x02, 0x03, 0xea};
  sock.non_blocking(true, ec); // never wait here for a full send buffer
  if (!ec)
    net::write(sock, net::buffer(frame), ec);
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

void connection::send_local(const frame_ptr& frame) {
  if (queued_.fetch_add(1) >= opts_.max_queued) {
    queued_.fetch_sub(1);
    return overflowed();
  }
  enqueue(frame);
}

void connection::enqueue(const frame_ptr& frame) {
  if (closing_) {
    queued_.fetch_sub(1);
    return;
  }
  queue_.push_back(frame);
  if (!writing_)
    do_write();
}

void connection::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(
      net::buffer(*queue_.front()),
      beast::bind_front_handler(&connection::on_write, shared_from_this()));
}

void connection::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (!queue_.empty()) {
    queue_.pop_front();
    queued_.fetch_sub(1);
  }
  if (ec) {
    on_stopped();
    return hard_close();
  }
  if (closing_)
    return do_close();
  if (!queue_.empty())
    do_write();
}

void connection::overflowed() {
  if (closing_)
    return;
  on_slow();
  start_close(websocket::close_code::try_again_later);
}

void connection::start_close(websocket::close_code code, std::string reason) {
  if (closing_)
    return;
  closing_ = true;
  close_reason_ = websocket::close_reason{code, reason};
  on_stopped();
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    queue_.pop_back();
    queued_.fetch_sub(1);
  }
  close_timer_.expires_after(opts_.handshake_timeout +
                             std::chrono::milliseconds{500});
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->hard_close();
  });
  if (!writing_)
    do_close();
}

void connection::do_close() {
  if (close_sent_ || !ws_.is_open())
    return;
  close_sent_ = true;
  ws_.async_close(close_reason_,
                  [self = shared_from_this()](beast::error_code) {
                    self->close_timer_.cancel();
                  });
}

void connection::hard_close() {
  closing_ = true;
  on_stopped();
  close_timer_.cancel();
  beast::error_code ec;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  sock.shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).close();
}

} // namespace intentd::ws_detail

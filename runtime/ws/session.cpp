#include "runtime/ws/session.hpp"

#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/client_op.hpp"
#include "runtime/ws/handshake.hpp"

namespace intentd {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using frame_ptr = std::shared_ptr<const std::string>;

/// One WebSocket connection: reads the client's ops, writes its notices
/// one at a time from a bounded queue.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  /// `admin`: the upgrade request passed the admin check, so that the
  /// connection may follow any account.
  ws_session(tcp::socket&& socket, http::request<http::string_body> req,
             std::shared_ptr<ws_hub> hub, bool admin)
      : registration_{hub, this}, ws_(std::move(socket)), req_(std::move(req)),
        close_timer_(ws_.get_executor()), hub_(std::move(hub)), admin_(admin) {}

  ~ws_session() = default;

  void run() {
    net::dispatch(ws_.get_executor(),
                  [self = shared_from_this()] { self->do_accept(); });
  }

  /// From the notifier's thread: queues a notice, or refuses it when the
  /// queue is full (the notifier then forgets this subscriber).
  bool offer(const frame_ptr& frame) {
    if (queued_.fetch_add(1) >= hub_->opts().max_queued) {
      queued_.fetch_sub(1);
      net::post(ws_.get_executor(),
                [self = shared_from_this()] { self->on_slow(); });
      return false;
    }
    net::post(ws_.get_executor(),
              [self = shared_from_this(), frame] { self->enqueue(frame); });
    return true;
  }

  /// Posted by the hub while the server stops.
  void shutdown(bool force) {
    if (force)
      return hard_close();
    start_close(websocket::close_code::going_away);
  }

  net::any_io_executor executor() { return ws_.get_executor(); }

private:
  const ws_options& opts() const { return hub_->opts(); }

  void do_accept() {
    auto& opts = hub_->opts();
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t;
    t.handshake_timeout = opts.handshake_timeout;
    t.idle_timeout = 2 * opts.ping_interval;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(
        websocket::stream_base::decorator([](websocket::response_type& res) {
          res.set(http::field::server, "intentd");
        }));
    ws_.read_message_max(opts.max_message_bytes);
    // Called from within this session's reads, so `this` is alive.
    ws_.control_callback([this](websocket::frame_type kind,
                                beast::string_view) { on_control(kind); });
    // Notices are small and should leave at once.
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.set_option(tcp::no_delay(true), ec);
    if (opts.send_buffer_bytes > 0)
      sock.set_option(
          net::socket_base::send_buffer_size(opts.send_buffer_bytes), ec);
    ws_.async_accept(req_, beast::bind_front_handler(&ws_session::on_accept,
                                                     shared_from_this()));
  }

  void on_accept(beast::error_code ec) {
    req_ = {};
    if (ec)
      return;
    std::weak_ptr<ws_session> weak = weak_from_this();
    sub_ = hub_->eng().subscribe([weak](const notice& n) {
      auto self = weak.lock();
      return !self || self->offer(n.frame);
    });
    if (!sub_) {
      send_local(
          make_error_notice("unavailable", "This engine has no notifier.")
              .frame);
      return start_close(websocket::close_code::internal_error);
    }
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read,
                                                      shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // Closed by the client, timed out, too big (Beast closes with 1009) or
    // torn down: nothing more to send.
    if (ec)
      return stop_notices();
    if (closing_)
      return;
    if (!ws_.got_text()) {
      send_local(make_error_notice("invalid_message",
                                   "Send JSON text frames, not binary ones.")
                     .frame);
    } else {
      auto text = beast::buffers_to_string(buffer_.data());
      auto parsed = parse_client_op(text);
      if (auto* err = std::get_if<client_op_error>(&parsed)) {
        send_local(make_error_notice(err->code, err->message).frame);
      } else {
        auto& op = std::get<client_op>(parsed);
        if (!op.subscribe)
          sub_->unsubscribe(op.target, op.key);
        else if (auto refused = deny_subscription(op))
          send_local(refused->frame);
        else
          sub_->subscribe(op.target, op.key);
      }
    }
    buffer_.consume(buffer_.size());
    if (!closing_)
      do_read();
  }

  /// Following an account needs its read token under read_access owner
  /// (or an admin connection); a token that is present is always checked.
  std::optional<notice> deny_subscription(const client_op& op) {
    if (op.target != subscription_target::user)
      return std::nullopt;
    auto& eng = hub_->eng();
    bool owner = eng.config().security.read_access != "open";
    if (op.token.empty()) {
      if (!owner || admin_)
        return std::nullopt;
      return make_error_notice(
          "unauthorized",
          "Following " + op.key +
              " needs its read token (intentctl read-token) as \"token\".",
          "user", op.key);
    }
    auto proven = eng.prove_reader(op.token);
    if (!proven)
      return make_error_notice("unauthorized", proven.error().message, "user",
                               op.key);
    if (*proven != op.key && (owner && !admin_))
      return make_error_notice("forbidden",
                               "The read token proves " + *proven + ", not " +
                                   op.key + ".",
                               "user", op.key);
    return std::nullopt;
  }

  // Beast refuses the close codes RFC 6455 reserves below 3000 (failing the
  // connection with 1002) but echoes any from 3000 up, while none past 4999
  // is allowed: those fail the connection with 1002 here.
  void on_control(websocket::frame_type kind) {
    if (kind != websocket::frame_type::close)
      return;
    auto code = ws_.reason().code;
    if (code == websocket::close_code::none ||
        ws_detail::valid_close_code(code))
      return;
    fail_protocol();
  }

  /// Sends a close frame with 1002 and half-closes, before Beast (which
  /// writes its echo once the control callback returns) can answer; its
  /// echo then fails on the closed side. With a frame of ours half-written
  /// the socket is shut down without a close frame.
  void fail_protocol() {
    closing_ = true;
    close_sent_ = true;
    stop_notices();
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

  /// A frame of our own (an error answer), through the same bounded queue.
  void send_local(const frame_ptr& frame) {
    if (queued_.fetch_add(1) >= opts().max_queued) {
      queued_.fetch_sub(1);
      return on_slow();
    }
    enqueue(frame);
  }

  void enqueue(const frame_ptr& frame) {
    if (closing_) {
      queued_.fetch_sub(1);
      return;
    }
    queue_.push_back(frame);
    if (!writing_)
      do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        net::buffer(*queue_.front()),
        beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (!queue_.empty()) {
      queue_.pop_front();
      queued_.fetch_sub(1);
    }
    if (ec) {
      stop_notices();
      return hard_close();
    }
    if (closing_)
      return do_close();
    if (!queue_.empty())
      do_write();
  }

  void on_slow() {
    if (closing_)
      return;
    hub_->count_slow();
    start_close(websocket::close_code::try_again_later);
  }

  void stop_notices() { sub_.reset(); }

  /// Stops taking notices, drops what waits (but the frame being written)
  /// and sends a close frame once the write in flight is done. A client
  /// that does not answer is cut off after the handshake timeout.
  void start_close(websocket::close_code code) {
    if (closing_)
      return;
    closing_ = true;
    close_code_ = code;
    stop_notices();
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queue_.pop_back();
      queued_.fetch_sub(1);
    }
    close_timer_.expires_after(opts().handshake_timeout +
                               std::chrono::milliseconds{500});
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->hard_close();
    });
    if (!writing_)
      do_close();
  }

  void do_close() {
    if (close_sent_ || !ws_.is_open())
      return;
    close_sent_ = true;
    ws_.async_close(close_code_,
                    [self = shared_from_this()](beast::error_code) {
                      self->close_timer_.cancel();
                    });
  }

  void hard_close() {
    closing_ = true;
    stop_notices();
    close_timer_.cancel();
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }

  /// Tells the hub this session is gone once every other member (the
  /// stream above all) is destroyed: declared first, destroyed last. The
  /// last reference may be dropped on the notifier's thread, and the server
  /// destroys its io_contexts (and Beast's websocket service with them) as
  /// soon as the hub has no session left.
  struct hub_registration {
    std::shared_ptr<ws_hub> hub;
    ws_session* self;
    ~hub_registration() { hub->remove(self); }
  };
  hub_registration registration_;
  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::deque<frame_ptr> queue_;
  /// Frames accepted and not yet written (or dropped); counted across
  /// threads so that the notifier's thread can refuse at once.
  std::atomic<uint32_t> queued_{0};
  net::steady_timer close_timer_;
  std::shared_ptr<ws_hub> hub_;
  std::unique_ptr<subscriber> sub_;
  websocket::close_code close_code_ = websocket::close_code::normal;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool admin_ = false;
};

ws_hub::ws_hub(engine_core& e, ws_options opts)
    : engine_(e), metrics_(e.metrics()), opts_(opts) {}

void ws_hub::count_slow() {
  ++dropped_slow_;
  if (metrics_)
    metrics_->websocket_slow_consumers_dropped().inc();
}

void ws_hub::start(tcp::socket socket, http::request<http::string_body> req,
                   bool admin) {
  auto s = std::make_shared<ws_session>(std::move(socket), std::move(req),
                                        shared_from_this(), admin);
  if (!sessions_.add(s))
    return; // stopping: the session closes its socket as it goes
  if (metrics_)
    metrics_->websocket_connections().add(1);
  s->run();
}

void ws_hub::remove(ws_session* s) {
  if (!sessions_.remove(s))
    return;
  if (metrics_)
    metrics_->websocket_connections().add(-1);
  if (on_removed_)
    on_removed_();
}

void ws_hub::shutdown(bool force) {
  sessions_.shutdown_all(force, true);
}

bool ws_hub::wait_gone(std::chrono::milliseconds limit) {
  return sessions_.wait_empty(limit);
}

} // namespace intentd

#include "runtime/ws/session.hpp"

#include <optional>
#include <string>
#include <variant>

#include <boost/asio/post.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/client_op.hpp"
#include "runtime/ws/connection.hpp"

namespace intentd {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

using ws_detail::frame_ptr;

/// One subscriber connection: reads the client's ops and writes its
/// notices.
class ws_session : public ws_detail::connection {
public:
  /// `admin`: the upgrade request passed the admin check, so that the
  /// connection may follow any account.
  ws_session(tcp::socket&& socket, http::request<http::string_body> req,
             const std::shared_ptr<ws_hub>& hub, bool admin)
      : connection(std::move(socket), std::move(req), hub->opts(),
                   [hub, this] { hub->remove(this); }),
        hub_(hub), admin_(admin) {}

private:
  std::shared_ptr<ws_session> self() {
    return std::static_pointer_cast<ws_session>(shared_from_this());
  }

  void on_open() override {
    std::weak_ptr<ws_session> weak = self();
    sub_ = hub_->eng().subscribe([weak](const notice& n) {
      auto self = weak.lock();
      return !self || self->offer(n.frame);
    });
    if (!sub_) {
      send_local(
          make_error_notice("unavailable", "This engine has no notifier.")
              .frame);
      start_close(websocket::close_code::internal_error);
    }
  }

  void on_message(std::string payload, bool text) override {
    if (!text)
      return send_local(
          make_error_notice("invalid_message",
                            "Send JSON text frames, not binary ones.")
              .frame);
    auto parsed = parse_client_op(payload);
    if (auto* err = std::get_if<client_op_error>(&parsed))
      return send_local(make_error_notice(err->code, err->message).frame);
    auto& op = std::get<client_op>(parsed);
    if (!op.subscribe)
      return sub_->unsubscribe(op.target, op.key);
    if (auto refused = deny_subscription(op))
      return send_local(refused->frame);
    if (op.target != subscription_target::user || op.token.empty())
      return sub_->subscribe(op.target, op.key);
    // The token is proven perhaps later, by the account's home node: the
    // next op waits, so that ops are still answered in order.
    hold_reading();
    // No read is pending meanwhile: the proof keeps the session alive (it
    // answers exactly once, within the cluster's forward timeout).
    hub_->eng().prove_reader(
        op.token, [self = self(), key = op.key](outcome<std::string> proven) {
          auto ex = self->executor();
          boost::asio::post(ex, [self, key, proven = std::move(proven)] {
            self->follow(key, proven);
            self->resume_reading();
          });
        });
  }

  /// Following an account without a token needs read_access open (or an
  /// admin connection); with one, the refusal is decided once the token
  /// is proven (follow).
  std::optional<notice> deny_subscription(const client_op& op) {
    if (op.target != subscription_target::user || !op.token.empty())
      return std::nullopt;
    auto& eng = hub_->eng();
    bool owner = eng.config().security.read_access != "open";
    if (!owner || admin_)
      return std::nullopt;
    return make_error_notice(
        "unauthorized",
        "Following " + op.key +
            " needs its read token (intentctl read-token) as \"token\".",
        "user", op.key);
  }

  /// Subscribes to account `key` once its read token proved `proven`; a
  /// token that is present is always checked.
  void follow(const std::string& key, const outcome<std::string>& proven) {
    if (closing() || !sub_)
      return;
    if (!proven) {
      // A home node that could not be asked says so, as the HTTP API does.
      const auto& p = proven.error();
      return send_local(
          make_error_notice(to_string(p.code), p.message, "user", key).frame);
    }
    bool owner = hub_->eng().config().security.read_access != "open";
    if (*proven != key && (owner && !admin_))
      return send_local(make_error_notice("forbidden",
                                          "The read token proves " + *proven +
                                              ", not " + key + ".",
                                          "user", key)
                            .frame);
    sub_->subscribe(subscription_target::user, key);
  }

  void on_stopped() override { sub_.reset(); }

  void on_slow() override { hub_->count_slow(); }

  std::shared_ptr<ws_hub> hub_;
  std::unique_ptr<subscriber> sub_;
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

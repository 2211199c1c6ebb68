#include "runtime/ws/session.hpp"

#include <optional>
#include <string>
#include <variant>

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
      sub_->unsubscribe(op.target, op.key);
    else if (auto refused = deny_subscription(op))
      send_local(refused->frame);
    else
      sub_->subscribe(op.target, op.key);
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

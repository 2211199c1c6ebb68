#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/solver_quote.hpp"
#include "runtime/ws/connection.hpp"
#include "runtime/ws/solver_hub.hpp"

namespace intentd {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using ws_detail::frame_ptr;

namespace {

/// The close code of a connection that another one of the same solver id
/// replaced (an application code of RFC 6455 §7.4.2).
constexpr uint16_t close_replaced = 4000;

frame_ptr frame_of(const json& msg) {
  return std::make_shared<const std::string>(msg.dump());
}

json error_message(const char* code, const std::string& message) {
  return {{"type", "error"}, {"code", code}, {"message", message}};
}

/// The string member `key` of `msg`, or nullptr.
const std::string* string_at(const json& msg, const char* key) {
  auto it = msg.find(key);
  return it != msg.end() && it->is_string() ? it->get_ptr<const std::string*>()
                                            : nullptr;
}

} // namespace

/// One external solver's connection: the challenge, its answer, then the
/// solver's frames for the registry and the engine's frames for the solver.
class solver_session : public ws_detail::connection, public solver_link {
public:
  solver_session(tcp::socket&& socket, http::request<http::string_body> req,
                 const std::shared_ptr<solver_hub>& hub)
      : connection(std::move(socket), std::move(req), hub->opts().link,
                   [hub, this] { hub->remove(this); }),
        hub_(hub), auth_timer_(executor()) {}

  // solver_link, from any thread.
  bool send(std::string text) override {
    if (!offer(std::make_shared<const std::string>(std::move(text))))
      return false;
    if (auto* m = hub_->metrics())
      m->solver_frames_sent().inc();
    return true;
  }

  void close(uint16_t code, std::string reason) override {
    net::post(executor(), [self = self(), code, reason = std::move(reason)] {
      self->start_close(static_cast<websocket::close_code>(code), reason);
    });
  }

private:
  std::shared_ptr<solver_session> self() {
    return std::static_pointer_cast<solver_session>(
        connection::shared_from_this());
  }

  void on_open() override {
    if (auto* m = hub_->metrics())
      m->solver_connections_accepted().inc();
    nonce_ = generate_auth_nonce().value_or(std::string{});
    if (nonce_.empty())
      return start_close(websocket::close_code::internal_error,
                         "no entropy for a challenge");
    reply(json{{"type", "challenge"}, {"nonce", nonce_}});
    auth_timer_.expires_after(hub_->opts().auth_timeout);
    auth_timer_.async_wait([self = self()](boost::system::error_code ec) {
      if (!ec && self->solver_id_.empty())
        self->refuse("timeout", "no auth message in time");
    });
  }

  void on_message(std::string payload, bool text) override {
    if (auto* m = hub_->metrics())
      m->solver_frames_received().inc();
    if (solver_id_.empty())
      return authenticate(payload, text);
    if (!text)
      return reply(error_message("invalid_message",
                                 "Send JSON text frames, not binary ones."));
    auto msg = json::parse(payload, nullptr, false);
    if (msg.is_discarded())
      return reply(error_message("invalid_json", "The frame is not JSON."));
    const std::string* type =
        msg.is_object() ? string_at(msg, "type") : nullptr;
    if (type == nullptr)
      return reply(error_message("invalid_message",
                                 "A message is a JSON object with a string "
                                 "\"type\"."));
    if (*type == "quote")
      return hub_->registry().deliver_quote(solver_id_, std::move(payload));
    if (*type == "auth")
      return reply(error_message("already_authenticated",
                                 "This connection is authenticated as " +
                                     solver_id_ + "."));
    reply(error_message("unknown_type", "Unknown message type \"" + *type +
                                            "\"; a solver sends quote."));
  }

  /// The first frame must be {"type":"auth","solver_id","signature"} with a
  /// signature of the challenge by the configured key of solver_id.
  void authenticate(const std::string& payload, bool text) {
    auto msg = text ? json::parse(payload, nullptr, false) : json{};
    const std::string* id = nullptr;
    const std::string* signature = nullptr;
    if (msg.is_object()) {
      const std::string* type = string_at(msg, "type");
      if (type != nullptr && *type == "auth") {
        id = string_at(msg, "solver_id");
        signature = string_at(msg, "signature");
      }
    }
    if (id == nullptr || signature == nullptr)
      return refuse("bad_frame", "expected {\"type\":\"auth\",\"solver_id\","
                                 "\"signature\"}");
    auto known = hub_->registry().find(*id);
    if (!known)
      return refuse("unknown_solver", "unknown solver id");
    if (!verify_solver_auth(known->public_key, nonce_, *signature))
      return refuse("bad_signature", "the signature does not verify");
    solver_id_ = *id;
    auth_timer_.cancel();
    auto replaced = hub_->registry().attach(solver_id_, self());
    if (replaced) {
      spdlog::info("solver {}: a new connection from {} replaces the open one",
                   solver_id_, describe_remote());
      replaced->close(close_replaced, "replaced by a newer connection");
    } else {
      spdlog::info("solver {} connected from {}", solver_id_,
                   describe_remote());
    }
    reply(json{{"type", "ready"}, {"solver_id", solver_id_}});
  }

  /// Closes an unauthenticated connection with 1008 (policy violation).
  void refuse(const char* reason, const char* detail) {
    if (closing())
      return;
    if (auto* m = hub_->metrics())
      m->solver_auth_failure(reason).inc();
    spdlog::warn("solver connection from {} refused: {}", describe_remote(),
                 detail);
    auth_timer_.cancel();
    start_close(websocket::close_code::policy_error, detail);
  }

  void reply(const json& msg) {
    if (auto* m = hub_->metrics())
      m->solver_frames_sent().inc();
    send_local(frame_of(msg));
  }

  void on_stopped() override {
    auth_timer_.cancel();
    if (solver_id_.empty() || detached_)
      return;
    detached_ = true;
    hub_->registry().detach(solver_id_, this);
    spdlog::info("solver {} from {} disconnected", solver_id_,
                 describe_remote());
  }

  std::string describe_remote() const {
    auto ep = remote();
    return ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  std::shared_ptr<solver_hub> hub_;
  net::steady_timer auth_timer_;
  std::string nonce_;
  std::string solver_id_; // set once authenticated
  bool detached_ = false; // on_stopped ran for the authenticated solver
};

solver_hub::solver_hub(std::shared_ptr<solver_registry> registry,
                       solver_ws_options opts,
                       std::shared_ptr<engine_metrics> metrics)
    : registry_(std::move(registry)), opts_(opts),
      metrics_(std::move(metrics)) {}

void solver_hub::start(tcp::socket socket,
                       http::request<http::string_body> req) {
  auto s = std::make_shared<solver_session>(std::move(socket), std::move(req),
                                            shared_from_this());
  if (!sessions_.add(s))
    return; // stopping: the session closes its socket as it goes
  s->run();
}

void solver_hub::shutdown(bool force) {
  sessions_.shutdown_all(force, true);
}

bool solver_hub::wait_gone(std::chrono::milliseconds limit) {
  return sessions_.wait_empty(limit);
}

} // namespace intentd

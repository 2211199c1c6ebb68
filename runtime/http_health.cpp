#include <chrono>

#include <nlohmann/json.hpp>

#include "runtime/engine.hpp"
#include "runtime/http_routes.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/record_json.hpp"

namespace intentd {

namespace {

/// The method as a metric label: the methods HTTP defines, else "other",
/// so that a client cannot add label values without bound.
std::string method_label(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
                            "OPTIONS", "CONNECT", "TRACE"})
    if (method == known)
      return method;
  return "other";
}

} // namespace

void http_router::handle(const http_request& req, reply_fn done) {
  auto started = std::chrono::steady_clock::now();
  auto m = metrics_;
  auto method = method_label(req.method);
  auto route_name = route_template(req.target);
  route(req, [m, method, route_name, started,
              done = std::move(done)](http_reply rep) {
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - started;
    m->http_request(method, route_name, rep.status, took.count());
    done(std::move(rep));
  });
}

void http_router::liveness(reply_fn done) {
  done(http_reply{200, dump_json({{"status", "ok"}}), {}});
}

void http_router::readiness(reply_fn done) {
  engine_.readiness([done](std::vector<health_check> checks) {
    bool ok = !checks.empty();
    nlohmann::json detail = nlohmann::json::object();
    for (const auto& c : checks) {
      ok = ok && c.ok;
      detail[c.name] = {{"ok", c.ok}, {"detail", c.detail}};
    }
    nlohmann::json body = {{"status", ok ? "ready" : "not_ready"},
                           {"checks", std::move(detail)}};
    done(http_reply{ok ? 200u : 503u, dump_json(body), {}});
  });
}

void http_router::expose_metrics(reply_fn done) {
  done(http_reply{
      200, metrics_->expose(), {{"Content-Type", metrics::content_type}}});
}

} // namespace intentd

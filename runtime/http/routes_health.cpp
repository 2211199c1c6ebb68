#include <nlohmann/json.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/http/router.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/record_json.hpp"

namespace intentd {

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

#include "runtime/engine/solver_registry.hpp"

#include <utility>

#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

solver_registry::solver_registry(std::vector<cfg::external_solver> solvers,
                                 std::shared_ptr<engine_metrics> metrics,
                                 clock now)
    : solvers_(std::move(solvers)), metrics_(std::move(metrics)),
      now_(std::move(now)) {}

time_us solver_registry::wall_clock() {
  return wall_clock_now();
}

std::optional<cfg::external_solver>
solver_registry::find(const std::string& id) const {
  for (const auto& s : solvers_)
    if (s.solver_id == id)
      return s;
  return std::nullopt;
}

std::vector<std::string> solver_registry::connected() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  ids.reserve(links_.size());
  for (const auto& [id, link] : links_)
    ids.push_back(id);
  return ids;
}

bool solver_registry::is_connected(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return links_.count(id) > 0;
}

bool solver_registry::send(const std::string& id, std::string text) {
  std::shared_ptr<solver_link> link;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = links_.find(id);
    if (it == links_.end())
      return false;
    link = it->second;
  }
  return link->send(std::move(text));
}

void solver_registry::on_quote(quote_handler handler) {
  auto next = handler
                  ? std::make_shared<const quote_handler>(std::move(handler))
                  : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(next);
}

void solver_registry::on_gone(gone_handler handler) {
  auto next = handler ? std::make_shared<const gone_handler>(std::move(handler))
                      : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  gone_ = std::move(next);
}

void solver_registry::on_connected(connected_handler handler) {
  auto next =
      handler ? std::make_shared<const connected_handler>(std::move(handler))
              : nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  connected_ = std::move(next);
}

void solver_registry::tell_connected(const std::string& id) {
  std::shared_ptr<const connected_handler> handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handler = connected_;
  }
  if (handler)
    (*handler)(id);
}

void solver_registry::tell_gone(const std::string& id) {
  std::shared_ptr<const gone_handler> handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handler = gone_;
  }
  if (handler)
    (*handler)(id);
}

std::shared_ptr<solver_link>
solver_registry::attach(const std::string& id,
                        std::shared_ptr<solver_link> link) {
  std::shared_ptr<solver_link> replaced;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = links_[id];
    replaced = std::exchange(slot, std::move(link));
    if (metrics_) {
      metrics_->external_solvers_connected().set(
          static_cast<double>(links_.size()));
      metrics_->solver_connected(id).set(1);
    }
  }
  if (replaced)
    tell_gone(id);
  tell_connected(id);
  return replaced;
}

void solver_registry::detach(const std::string& id, const solver_link* link) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = links_.find(id);
    if (it == links_.end() || it->second.get() != link)
      return;
    links_.erase(it);
    if (metrics_) {
      metrics_->external_solvers_connected().set(
          static_cast<double>(links_.size()));
      metrics_->solver_connected(id).set(0);
    }
  }
  tell_gone(id);
}

void solver_registry::deliver_quote(const std::string& id, std::string text) {
  std::shared_ptr<const quote_handler> handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    handler = handler_;
  }
  if (handler)
    (*handler)(received_quote{id, std::move(text), now_()});
}

} // namespace intentd

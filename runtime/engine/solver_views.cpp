#include "runtime/engine/solver_views.hpp"

namespace intentd {

solver_view view_of(const solver_report& r) {
  solver_view v;
  v.solver_id = r.stats.solver_id;
  v.attempts = r.stats.attempts;
  v.successes = r.stats.successes;
  v.failures = r.stats.failures;
  if (r.stats.attempts > 0) {
    v.success_rate = double(r.stats.successes) / double(r.stats.attempts);
    v.mean_execution_ms =
        double(r.stats.total_execution_us) / 1000.0 / double(r.stats.attempts);
  }
  v.healthy = r.healthy;
  v.settled = r.stats.successes;
  v.failed = r.stats.failures;
  return v;
}

solver_view view_of(const external_solver_report& r) {
  solver_view v;
  v.solver_id = r.solver_id;
  v.kind = "external";
  v.connected = r.connected;
  v.attempts = r.settled + r.failed;
  v.successes = r.settled;
  v.failures = r.failed;
  v.success_rate = r.success_rate;
  v.mean_execution_ms = r.mean_settlement_ms;
  v.healthy = !r.resting;
  v.asked = r.asked;
  v.answered = r.answered;
  v.valid = r.valid;
  v.won = r.won;
  v.settled = r.settled;
  v.failed = r.failed;
  v.mean_response_ms = r.mean_response_ms;
  v.consecutive_failures = r.consecutive_failures;
  v.resting_until = r.resting ? r.resting_until : 0;
  v.rejected = r.rejected;
  return v;
}

std::vector<solver_view>
solver_views(const std::vector<solver_report>& builtin,
             const std::vector<external_solver_report>& external) {
  std::vector<solver_view> out;
  out.reserve(builtin.size() + external.size());
  for (const auto& r : builtin)
    out.push_back(view_of(r));
  for (const auto& r : external)
    out.push_back(view_of(r));
  return out;
}

} // namespace intentd

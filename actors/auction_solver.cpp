#include "actors/auction_solver.hpp"

#include <algorithm>

namespace intentd {

external_solver_report report_of(const solver_entry& s,
                                 const std::set<std::string>& connected,
                                 time_us now) {
  external_solver_report r;
  r.solver_id = s.config.solver_id;
  r.account = s.config.account;
  r.connected = connected.count(s.config.solver_id) != 0;
  r.resting = s.breaker.resting(now);
  r.resting_until = s.breaker.resting_until();
  r.asked = s.asked;
  r.answered = s.answered;
  r.valid = s.valid;
  r.won = s.won;
  r.settled = s.settled;
  r.failed = s.failed;
  r.consecutive_failures = s.breaker.failures();
  if (s.answered > 0)
    r.mean_response_ms = static_cast<double>(s.total_response_us) /
                         static_cast<double>(s.answered) / 1000.0;
  if (auto ended = s.settled + s.failed; ended > 0) {
    r.mean_settlement_ms = static_cast<double>(s.total_settlement_us) /
                           static_cast<double>(ended) / 1000.0;
    r.success_rate =
        static_cast<double>(s.settled) / static_cast<double>(ended);
  }
  for (auto& [reason, n] : s.rejected)
    r.rejected.emplace_back(reason, n);
  return r;
}

void count_settlement(solver_entry& s, const assignment& done, bool ok,
                      time_us now, const auction_observer& observer) {
  auto took = std::max<time_us>(now - done.at, 0);
  ++(ok ? s.settled : s.failed);
  s.total_settlement_us += static_cast<uint64_t>(took);
  s.breaker.report(ok, now);
  if (observer.settlement)
    observer.settlement(report_of(s, {}, now), done.action, ok,
                        static_cast<double>(took) / 1e6);
}

} // namespace intentd

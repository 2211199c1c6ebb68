#include "runtime/model/retry.hpp"

#include <algorithm>
#include <cmath>

namespace intentd {

uint32_t backoff_delay_ms(const retry_policy& p, uint32_t attempt,
                          double uniform01) {
  uint64_t cap = p.max_delay_ms;
  uint32_t per_solver = std::max<uint32_t>(p.max_attempts, 1);
  uint32_t shift = attempt > 0 ? (attempt - 1) % per_solver : 0;
  uint64_t delay = p.base_delay_ms;
  if (delay > 0 && shift >= 32)
    delay = cap;
  else
    delay = std::min<uint64_t>(delay << shift, cap);
  double jitter = std::clamp(p.jitter, 0.0, 1.0);
  double u = std::clamp(uniform01, 0.0, 1.0);
  double scaled =
      static_cast<double>(delay) * (1.0 - jitter + 2.0 * jitter * u);
  auto result = static_cast<uint64_t>(std::llround(std::max(scaled, 0.0)));
  return static_cast<uint32_t>(std::min(result, cap));
}

uint32_t attempt_budget(const retry_policy& p) {
  return p.max_attempts * std::max<uint32_t>(p.solvers, 1);
}

bool may_retry(const retry_policy& p, uint32_t attempts) {
  return attempts < attempt_budget(p);
}

} // namespace intentd

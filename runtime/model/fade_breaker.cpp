#include "runtime/model/fade_breaker.hpp"

#include <algorithm>
#include <limits>

namespace intentd {

int64_t cooldown_after(const cooldown_schedule& s, uint32_t trips) {
  if (s.base <= 0)
    return 0;
  int64_t cap = std::max(s.base, s.cap);
  int64_t rest = s.base;
  for (uint32_t i = 1; i < trips && rest < cap; ++i)
    rest = rest > cap / 2 ? cap : rest * 2;
  return std::min(rest, cap);
}

cooldown_schedule fade_schedule(uint32_t failover_after, uint32_t cooldown_ms) {
  int64_t base = int64_t{cooldown_ms} * 1000;
  return {failover_after, base, base * 64};
}

fade_breaker::fade_breaker(cooldown_schedule s) : schedule_(s) {
  schedule_.failover_after = std::max<uint32_t>(s.failover_after, 1);
}

void fade_breaker::report(bool ok, int64_t now) {
  if (ok) {
    failures_ = 0;
    trips_ = 0;
    resting_until_ = 0;
    return;
  }
  if (++failures_ < schedule_.failover_after)
    return;
  failures_ = 0;
  if (trips_ < std::numeric_limits<uint32_t>::max())
    ++trips_;
  int64_t rest = cooldown_after(schedule_, trips_);
  resting_until_ = now > std::numeric_limits<int64_t>::max() - rest
                       ? std::numeric_limits<int64_t>::max()
                       : now + rest;
}

} // namespace intentd

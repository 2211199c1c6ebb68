#include "runtime/model/solver_selection.hpp"

#include <algorithm>

namespace intentd {

solver_selection::solver_selection(size_t solvers, uint32_t failover_after,
                                   int64_t cooldown_ms)
    : entries_(std::max<size_t>(solvers, 1),
               fade_breaker{{failover_after, cooldown_ms, cooldown_ms}}) {}

bool solver_selection::healthy(size_t solver, int64_t now_ms) const {
  return !entries_[solver].resting(now_ms);
}

size_t solver_selection::pick(int64_t now_ms) {
  auto n = entries_.size();
  for (size_t step = 0; step < n; ++step) {
    auto i = (next_ + step) % n;
    if (healthy(i, now_ms)) {
      next_ = (i + 1) % n;
      return i;
    }
  }
  auto best =
      std::min_element(entries_.begin(), entries_.end(),
                       [](const fade_breaker& a, const fade_breaker& b) {
                         return a.resting_until() < b.resting_until();
                       });
  return static_cast<size_t>(best - entries_.begin());
}

void solver_selection::report(size_t solver, bool ok, int64_t now_ms) {
  entries_[solver].report(ok, now_ms);
}

} // namespace intentd

#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/model/fade_breaker.hpp"

namespace intentd {

/// Chooses which solver takes the next execution: round robin over the
/// healthy ones. A solver that fails `failover_after` times in a row is
/// skipped until `cooldown_ms` have passed; when every solver is skipped,
/// the one whose cooldown ends first is used. Times are milliseconds on any
/// monotonic clock, passed in by the caller. The cooldown is fixed: a
/// fade_breaker whose schedule does not double.
class solver_selection {
public:
  solver_selection(size_t solvers, uint32_t failover_after,
                   int64_t cooldown_ms);

  size_t pick(int64_t now_ms);

  /// Records the outcome of one call; `ok` is false for faults that are the
  /// solver's or the network's (retryable ones), not the intent's.
  void report(size_t solver, bool ok, int64_t now_ms);

  bool healthy(size_t solver, int64_t now_ms) const;

  size_t size() const { return entries_.size(); }

private:
  std::vector<fade_breaker> entries_;
  size_t next_ = 0;
};

} // namespace intentd

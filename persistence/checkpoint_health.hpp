#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "runtime/model/problem.hpp"

namespace intentd {

/// What a log's checkpoints did (logged_store's, the chain journal's).
struct checkpointer_stats {
  uint64_t checkpoints = 0; // that wrote something
  uint64_t failures = 0;
  /// Failures since the last checkpoint that succeeded.
  uint64_t failures_in_row = 0;
  /// The last failure's problem, cleared by the next success.
  std::optional<problem> last_problem;
};

/// The pause before the next checkpoint after `failures_in_row` failed in
/// a row: `interval` (at least 1 ms), doubled at each failure, at most
/// `max` (never below the interval).
std::chrono::milliseconds
checkpoint_retry_pause(std::chrono::milliseconds interval,
                       std::chrono::milliseconds max, uint64_t failures_in_row);

/// A checkpointer's counters, counted on the thread that checkpoints and
/// read from any other (metrics, readiness).
class checkpoint_tally {
public:
  /// A checkpoint that succeeded; `wrote`: it wrote something (only then
  /// is it counted, and the last problem cleared).
  void succeeded(bool wrote = true);
  /// A checkpoint that failed; `wrote`: it wrote something before it
  /// failed (the chain journal's commit into LMDB, then its log's
  /// truncation failing), counted as a checkpoint as well.
  void failed(problem p, bool wrote = false);
  checkpointer_stats stats() const;
  /// checkpoint_retry_pause() after the failures in a row so far.
  std::chrono::milliseconds pause(std::chrono::milliseconds interval,
                                  std::chrono::milliseconds max) const;

private:
  mutable std::mutex m_;
  checkpointer_stats s_;
};

} // namespace intentd

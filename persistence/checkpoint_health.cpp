#include "persistence/checkpoint_health.hpp"

#include <algorithm>

namespace intentd {

std::chrono::milliseconds
checkpoint_retry_pause(std::chrono::milliseconds interval,
                       std::chrono::milliseconds max,
                       uint64_t failures_in_row) {
  auto pause = std::max(interval, std::chrono::milliseconds{1});
  const auto cap = std::max(max, pause);
  for (uint64_t i = 0; i < failures_in_row && pause < cap; ++i)
    pause *= 2;
  return std::min(pause, cap);
}

void checkpoint_tally::succeeded(bool wrote) {
  std::lock_guard lock(m_);
  s_.failures_in_row = 0;
  if (wrote) {
    ++s_.checkpoints;
    s_.last_problem.reset();
  }
}

void checkpoint_tally::failed(problem p, bool wrote) {
  std::lock_guard lock(m_);
  if (wrote)
    ++s_.checkpoints;
  ++s_.failures;
  ++s_.failures_in_row;
  s_.last_problem = std::move(p);
}

checkpointer_stats checkpoint_tally::stats() const {
  std::lock_guard lock(m_);
  return s_;
}

std::chrono::milliseconds
checkpoint_tally::pause(std::chrono::milliseconds interval,
                        std::chrono::milliseconds max) const {
  std::lock_guard lock(m_);
  return checkpoint_retry_pause(interval, max, s_.failures_in_row);
}

} // namespace intentd

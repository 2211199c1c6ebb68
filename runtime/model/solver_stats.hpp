#pragma once

#include <cstdint>
#include <string>

namespace intentd {

/// Per-solver counters that survive restarts.
struct solver_stats {
  std::string solver_id;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t total_execution_us = 0;
};

} // namespace intentd

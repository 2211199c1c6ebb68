#pragma once

#include <cstdint>

namespace intentd {

struct retry_policy {
  uint32_t max_attempts = 5;
  uint32_t base_delay_ms = 1'000;
  uint32_t max_delay_ms = 30'000;
  double jitter = 0.2; // share of the delay drawn at random, [0, 1]
  /// Solvers that can take a step: each gets max_attempts of its own before
  /// the step fails (failover), and the backoff starts over with each.
  uint32_t solvers = 1;
};

/// Attempts one step (verification, execution) may take in all:
/// max_attempts for each solver.
uint32_t attempt_budget(const retry_policy& p);

/// Delay before attempt `attempt + 1`, after `attempt` (>= 1) failed:
/// base * 2^(n-1), where n counts the attempts since the last failover
/// ((attempt - 1) % max_attempts + 1), capped at max, then scaled by
/// (1 - jitter + 2 * jitter * uniform01) and capped again. `uniform01` in
/// [0, 1) comes from the caller, so the schedule is deterministic in tests.
uint32_t backoff_delay_ms(const retry_policy& p, uint32_t attempt,
                          double uniform01);

/// True while another attempt is allowed after `attempts` attempts, that is
/// while `attempts` < attempt_budget(p).
bool may_retry(const retry_policy& p, uint32_t attempts);

} // namespace intentd

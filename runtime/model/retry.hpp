#pragma once

#include <cstdint>

namespace intentd {

struct retry_policy {
  uint32_t max_attempts = 5;
  uint32_t base_delay_ms = 1'000;
  uint32_t max_delay_ms = 30'000;
  double jitter = 0.2; // share of the delay drawn at random, [0, 1]
};

/// Delay before attempt `attempt + 1`, after `attempt` (>= 1) failed:
/// base * 2^(attempt-1), capped at max, then scaled by
/// (1 - jitter + 2 * jitter * uniform01) and capped again. `uniform01` in
/// [0, 1) comes from the caller, so the schedule is deterministic in tests.
uint32_t backoff_delay_ms(const retry_policy& p, uint32_t attempt,
                          double uniform01);

/// True while another attempt is allowed after `attempts` attempts.
bool may_retry(const retry_policy& p, uint32_t attempts);

} // namespace intentd

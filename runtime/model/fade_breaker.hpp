#pragma once

#include <cstdint>

namespace intentd {

/// How long a failing solver rests. Durations and times are in one unit of
/// the caller's choosing (milliseconds for the built-in solvers,
/// microseconds for external ones).
struct cooldown_schedule {
  /// Failures in a row that send a solver to rest; at least 1.
  uint32_t failover_after = 3;
  /// The first rest.
  int64_t base = 0;
  /// The longest rest: each rest in a row doubles up to it. Equal to `base`
  /// (or below it) for a fixed cooldown.
  int64_t cap = 0;
};

/// The rest after the n-th trip in a row (n >= 1): base * 2^(n - 1), at
/// most cap (never below base); 0 when base is not positive.
int64_t cooldown_after(const cooldown_schedule& s, uint32_t trips);

/// The schedule of external solvers (UniswapX's fade breaker): `cooldown_ms`
/// (solvers.cooldown_ms) as the first rest, doubling up to 64 times it, in
/// microseconds.
cooldown_schedule fade_schedule(uint32_t failover_after, uint32_t cooldown_ms);

/// The failure record of one solver: `failover_after` failures in a row
/// trip it, and it rests for cooldown_after(schedule, trips); a success
/// clears the failures and the trips, so the next rest is the base again.
/// After a rest the solver gets `failover_after` more tries before the next,
/// twice as long, rest.
class fade_breaker {
public:
  fade_breaker() = default;
  explicit fade_breaker(cooldown_schedule s);

  /// True while the solver rests at `now`.
  bool resting(int64_t now) const { return now < resting_until_; }

  /// Records the outcome of one settlement or call at `now`.
  void report(bool ok, int64_t now);

  /// When the current (or last) rest ends; 0 before the first.
  int64_t resting_until() const { return resting_until_; }

  /// Failures since the last success or trip.
  uint32_t failures() const { return failures_; }

  /// Rests in a row since the last success.
  uint32_t trips() const { return trips_; }

private:
  cooldown_schedule schedule_;
  uint32_t failures_ = 0;
  uint32_t trips_ = 0;
  int64_t resting_until_ = 0;
};

} // namespace intentd

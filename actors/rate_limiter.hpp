#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/rate_limit_table.hpp"

namespace intentd {

/// Spawns the rate-limiter actor: it owns the periodic sweep of `limiter`
/// (every `interval`) and answers
///   (get_atom) -> rate_limited_counts.
rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys,
                                      std::shared_ptr<rate_limiter> limiter,
                                      std::chrono::milliseconds interval,
                                      std::function<time_us()> now);

} // namespace intentd

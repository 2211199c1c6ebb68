#include "actors/rate_limiter.hpp"

#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/messages.hpp"

namespace intentd {

namespace {

struct limiter_state {
  static constexpr const char* name = "rate_limiter";
};

/// With the sweep it schedules for itself.
using limiter_self_actor =
    rate_limiter_actor::extend<caf::reacts_to<tick_atom>>;

limiter_self_actor::behavior_type
limiter_impl(limiter_self_actor::stateful_pointer<limiter_state> self,
             std::shared_ptr<rate_limiter> limiter,
             std::chrono::milliseconds interval, std::function<time_us()> now) {
  self->delayed_send(self, interval, tick_atom::value);
  return {
      [=](tick_atom) {
        limiter->sweep(now());
        self->delayed_send(self, interval, tick_atom::value);
      },
      [=](get_atom) { return limiter->limited_counts(); },
  };
}

} // namespace

rate_limiter_actor spawn_rate_limiter(caf::actor_system& sys,
                                      std::shared_ptr<rate_limiter> limiter,
                                      std::chrono::milliseconds interval,
                                      std::function<time_us()> now) {
  return sys.spawn(limiter_impl, std::move(limiter), interval, std::move(now));
}

} // namespace intentd

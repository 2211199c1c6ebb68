#pragma once

#include <caf/actor_clock.hpp>
#include <caf/local_actor.hpp>
#include <caf/message_id.hpp>

namespace intentd {

/// Removes the timeout of an answered request from the actor clock. CAF 0.17
/// leaves it scheduled until it fires, even after the answer arrived: about
/// 150 bytes per request, held for the whole timeout (minutes for calls to a
/// slow chain). Call it first thing in both handlers of a `then`.
inline void drop_timeout(caf::local_actor* self, caf::message_id request) {
  self->clock().cancel_request_timeout(self, request);
}

} // namespace intentd

#pragma once

// The auction's reconnect grace (solvers.reconnect_grace_ms; docs/solvers.md,
// "After a restart"). For a bounded time after the auction starts, an
// intent is held instead of offered while a configured solver is missing
// (not connected, not resting); the held intents are offered, oldest first,
// once every configured solver is connected or when the grace ends. At most
// `max_held` wait: past that an intent goes on at once, with the solvers
// connected then. Used on the auction's thread only (actors/auction.cpp).

#include <cstddef>
#include <cstdint>
#include <deque>

#include <caf/typed_response_promise.hpp>

#include "actors/message_data.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

/// An intent waiting for the solvers, with the promise of its auction.
struct held_auction {
  intent in;
  caf::typed_response_promise<auction_outcome> promise;
};

class reconnect_grace {
public:
  /// No grace: nothing is ever held.
  reconnect_grace() = default;
  /// A grace of `grace_ms` from `start`; none when `grace_ms` is 0.
  reconnect_grace(time_us start, uint32_t grace_ms, size_t max_held);

  /// Whether the grace still runs at `now`.
  bool running(time_us now) const { return !ended_ && now < ends_at_; }
  time_us ends_at() const { return ends_at_; }

  /// Holds `a` unless the queue is full; false (and `a` untouched) then.
  bool hold(held_auction& a);
  size_t held() const { return held_.size(); }
  /// How many intents found the queue full.
  uint64_t overflowed() const { return overflowed_; }

  /// Takes the held intents, oldest first.
  std::deque<held_auction> release();
  /// Ends the grace before its time: nothing is held from now on.
  void end() { ended_ = true; }

private:
  time_us ends_at_ = 0;
  size_t max_held_ = 0;
  bool ended_ = true;
  uint64_t overflowed_ = 0;
  std::deque<held_auction> held_;
};

} // namespace intentd

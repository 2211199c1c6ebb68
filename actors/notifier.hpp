#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"
#include "runtime/model/client_op.hpp"
#include "runtime/model/notice.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

struct notifier_options {
  /// Subscriptions (intents and users) one subscriber may hold.
  uint32_t max_subscriptions = 100;
  /// Live intents whose current state a user subscription sends first:
  /// the most recently created ones. Keep it well below what a
  /// subscriber's queue holds.
  uint32_t max_current_per_user = 100;
  /// Time the record reader has to answer a subscription's current state.
  std::chrono::milliseconds read_timeout{10'000};
  token_registry tokens;
  /// Live subscriptions, kept by the notifier: the transition hook skips
  /// all work while it is zero. May be null.
  std::shared_ptr<std::atomic<uint64_t>> active;
};

/// Spawns the notifier: the fan-out of intent transitions to subscribers.
///
/// - `(attach_atom, id, notice_sink)` / `(detach_atom, id)`: a subscriber
///   (one WebSocket connection, one embedder's handle) comes and goes.
/// - `(subscribe_atom | unsubscribe_atom, id, subscription_target, key)`:
///   an intent subscription is acknowledged with `subscribed`, then its
///   current state read through `reader` (`(get_atom, id)` ->
///   record_outcome) is sent, then every later transition; an unknown id is
///   an error notice and no subscription. A user subscription is
///   acknowledged at once, then sends the current state of that account's
///   live intents (at most `max_current_per_user`, read through `reader`
///   with `(live_atom, user, limit)` -> records_outcome), then every later
///   transition of its intents; a failed read is an `unavailable` error
///   notice and the subscription stays.
/// - `(publish_atom, std::vector<intent_update>)`: transitions in order.
/// - `(stats_atom)` -> notifier_stats.
///
/// Each subscriber gets every seq of an intent at most once and in
/// increasing order, whichever subscriptions cover it and however the
/// current state and a transition race.
notifier_actor spawn_notifier(caf::actor_system& sys,
                              record_reader_actor reader,
                              notifier_options opts);

/// A transition hook (intent_deps::on_transition) that hands every
/// transition a write covers to `notifier`, one update per seq. Does nothing
/// while `active` is zero.
transition_hook
make_notifier_hook(notifier_actor notifier,
                   std::shared_ptr<const token_registry> tokens,
                   std::shared_ptr<std::atomic<uint64_t>> active);

} // namespace intentd

#pragma once

// The directory actor's state and the steps its files share: directory.cpp
// (live intents, submissions, restarts, recovery) and
// directory_dead_letters.cpp (retry and purge).

#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/directory.hpp"
#include "actors/messages.hpp"

namespace intentd::directory_detail {

struct live_entry {
  intent_actor handle;
  time_us expires_at = 0;
};

struct directory_state {
  std::shared_ptr<const intent_store> store;
  std::shared_ptr<const intent_deps> deps;
  directory_options opts;
  std::unordered_map<std::string, live_entry> live;
  /// The id of each live actor: the key of its `live` entry, which stays
  /// put while the entry lives. One copy of the id per intent, not three.
  std::unordered_map<caf::actor_id, const std::string*> ids;
  std::set<std::pair<time_us, caf::actor_id>> deadlines;
  std::unordered_map<std::string, std::deque<time_us>> restarts;
  /// Nonce keys of live signed intents, which may not be durable yet (the
  /// store's nonce index covers the rest), and the nonce key of each id.
  std::set<std::string> nonces;
  std::unordered_map<std::string, std::string> nonce_of;
  time_us next_tick = std::numeric_limits<time_us>::max();
  /// Ids with a dead-letter retry or purge under way (its record being read
  /// or purged): another one for the same id is refused at once, as for a
  /// live intent, so that none acts on a record read before the first.
  std::set<std::string> dead_letter_ops;
  static inline const char* name = "directory";
};

/// With the deadline ticks it schedules for itself.
using directory_self_actor = directory_actor::extend<caf::reacts_to<tick_atom>>;
using directory_self = directory_self_actor::stateful_pointer<directory_state>;

/// Spawns the actor of `rec` and tracks it as live.
intent_actor activate(directory_self self, intent_record rec);

problem no_such_intent(const std::string& id);

/// Restarts dead letter `id` from its stored record; answers `rp` with the
/// record once durable, or why not.
void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp);
/// Removes dead letter `id` for good; answers `rp` with the removed record,
/// or why not.
void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp);

} // namespace intentd::directory_detail

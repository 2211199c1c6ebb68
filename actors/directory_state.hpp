#pragma once

// The directory actor's state and the steps its files share: directory.cpp
// (live intents, restarts), directory_recovery.cpp (recovery),
// directory_requests.cpp (submissions and cancellations) and
// directory_dead_letters.cpp (retry and purge).

#include <chrono>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/directory.hpp"
#include "actors/messages.hpp"
#include "actors/request_timeout.hpp"

namespace intentd::directory_detail {

struct live_entry {
  intent_actor handle;
  time_us expires_at = 0;
};

struct directory_state {
  std::shared_ptr<const intent_deps> deps;
  directory_options opts;
  /// The timeouts of its requests to intents, the reader and the writer.
  request_deadlines asked;
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
  /// Dead-letter retries and purges that found the intent's stored record
  /// ended and in the dead letters while its actor had not exited yet (its
  /// down message still on the way): run again once it is forgotten. At
  /// most `max_parked` per id.
  std::unordered_map<std::string, std::vector<std::function<void()>>>
      after_exit;
  /// Ids whose stored record is being read before an actor may be activated
  /// for them (a submission, a restart), each with the requests for the id
  /// that came meanwhile, parked (at most `max_parked`) to run once the read
  /// is done: one actor per id, and answers as if the requests had come one
  /// after the other. At most `opts.max_live` ids.
  std::unordered_map<std::string, std::vector<std::function<void()>>> reading;
  /// While recovery pages through the live records: every id activated
  /// since it began, so that a record met again on a later page (its actor
  /// moved it on, or ended) is not activated twice.
  bool recovering = false;
  std::unordered_set<std::string> recovered;
  static constexpr size_t max_parked = 64;
  static inline const char* name = "directory";
};

/// With the deadline ticks it schedules for itself.
using directory_self_actor = directory_actor::extend<caf::reacts_to<tick_atom>>;
using directory_self = directory_self_actor::stateful_pointer<directory_state>;

/// Spawns the actor of `rec` and tracks it as live.
intent_actor activate(directory_self self, intent_record rec);

problem no_such_intent(const std::string& id);

/// Forgets the nonce claimed for `id`, if any.
void drop_nonce(directory_self self, const std::string& id);

/// Ends the read under way for `id` and runs the requests parked behind it.
void end_read(directory_self self, const std::string& id);

/// A stored record as the reader answered: the record, nullopt when none is
/// stored, or why it could not be read (never "none" for a failed read).
using stored_read = outcome<std::optional<intent_record>>;

/// Reads the stored record of `id` through the record reader, off the
/// cooperative scheduler, and calls `next` with its stored_read; a reader
/// that does not answer in time is a timeout problem.
template<class Next>
void read_stored(directory_self self, const std::string& id, Next next) {
  auto& st = self->state;
  auto h = timed_request(self, self->state.asked, st.opts.reader,
                         st.deps->call_timeout, get_atom::value, id);
  h.then(
      [=, mid = h.id()](record_outcome& r) mutable {
        self->state.asked.drop(mid);
        if (r)
          next(stored_read{std::optional<intent_record>{std::move(*r)}});
        else if (r.error().code == errc::not_found)
          next(stored_read{std::optional<intent_record>{}});
        else
          next(stored_read{r.error()});
      },
      [=, mid = h.id()](caf::error& err) mutable {
        self->state.asked.drop(mid);
        next(stored_read{
            problem{errc::timeout,
                    "The record reader did not answer: " + caf::to_string(err),
                    {}}});
      });
}

/// Reactivates every live intent in storage, page by page through the
/// record reader; answers `rp` with how many, or with an error naming what
/// could not be read (a failed page never ends recovery as done).
void recover(directory_self self, caf::typed_response_promise<uint64_t> rp);

/// Submits `in`: asks its live actor, answers from its stored record, or
/// activates an actor for it once its id and nonce are read as unused.
void submit(directory_self self, intent in, std::string digest,
            caf::response_promise rp);

/// Cancels `id`: asks its live actor, or answers from its stored record.
void cancel(directory_self self, const std::string& id,
            caf::response_promise rp);

/// Restarts dead letter `id` from its stored record; answers `rp` with the
/// record once durable, or why not.
void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp);
/// Removes dead letter `id` for good; answers `rp` with the removed record,
/// or why not.
void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp);

} // namespace intentd::directory_detail

#pragma once

// An intent actor's state and the steps that move it, shared by intent.cpp
// (the record, its writes, the actor's behaviour) and intent_flow.cpp
// (verification, execution attempts, retries and recovery).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/messages.hpp"
#include "actors/request_timeout.hpp"
#include "runtime/model/transition.hpp"

namespace intentd::intent_detail {

/// The next step of an intent actor after a pause (a retry, a wait for the
/// chain's storage), sent by the actor to itself.
using then_fn = std::function<void()>;

} // namespace intentd::intent_detail

// Local only: a step closes over the intent actor that sends it to itself.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::intent_detail::then_fn)

namespace intentd::intent_detail {

struct intent_state {
  /// The record while the actor works on it; null while it waits, when the
  /// record is kept encoded in `packed` (a third of the memory).
  std::unique_ptr<intent_record> live;
  std::string packed;
  std::shared_ptr<const intent_deps> deps; // shared by every intent
  bool durable = false;
  uint32_t verify_attempts = 0;
  /// Chain answers that are waits (storage_unavailable, unreachable) in a
  /// row: they pace the waits.
  uint32_t storage_waits = 0;
  std::vector<caf::response_promise> waiting; // resubmissions before durable
  caf::response_promise starter;              // the submission, until durable
  uint64_t rng = 0;       // splitmix64 state, for backoff jitter
  uint64_t published = 0; // the last seq handed to on_transition
  /// The valid quotes of this run's auction, winner first, and the next
  /// one to settle with after a failed settlement; empty after recovery.
  std::vector<auction_quote> ranked;
  size_t next_quote = 0;
  uint32_t valid_quotes = 0;
  /// The timeouts of its requests to the chain, the solvers and the
  /// auction.
  request_deadlines deadlines;
  static inline const char* name = "intent";
};

/// With the steps it sends itself: verify, a step after a pause, execute.
using intent_self_actor =
    intent_actor::extend<caf::reacts_to<verify_atom>,
                         caf::reacts_to<deliver_atom, then_fn>,
                         caf::reacts_to<execute_atom>>;
using intent_self = intent_self_actor::stateful_pointer<intent_state>;

/// The live record, decoded first if the actor was waiting.
intent_record& rec_of(intent_self self);
/// Encodes the record while the actor waits for the chain or a timer.
/// References from rec_of() die here.
void hibernate(intent_self self);
/// Applies one event to the record; false when the table forbids it.
bool apply(intent_self self, intent_event ev);
/// Writes the current snapshot; `then` runs once it is durable.
void persist(intent_self self, then_fn then, uint32_t failures = 0);
/// Ends the actor once its record is final.
void finish(intent_self self);
/// Records the error, applies `ev` and ends the actor once that is durable.
void fail(intent_self self, intent_event ev, std::string code,
          std::string message, bool dead_letter);
/// Lets the chain release what it reserved for the intent.
void release_on_chain(intent_self self);

// intent_flow.cpp
/// Asks the chain to verify a pending intent.
void verify(intent_self self);
/// Sends a verified intent to the solver pool.
void dispatch(intent_self self);
/// One execution attempt through the solver pool.
void attempt(intent_self self);
/// Picks up a recovered intent where its snapshot left it.
void resume(intent_self self);
/// Asks the chain whether the last execution landed; completes the intent
/// if it did, makes another attempt otherwise.
void ask_landed(intent_self self);
/// Offers a verified intent to the external solvers' auction; the built-in
/// solvers take it when no quote wins.
void auction(intent_self self);

} // namespace intentd::intent_detail

#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

struct directory_options {
  /// Live intent actors held at once; past it submissions are refused.
  uint32_t max_live = 200'000;
  /// Restarts of one crashed intent within the window; past it the intent
  /// is failed into the dead letters instead.
  uint32_t restart_limit = 3;
  std::chrono::milliseconds restart_window{60'000};
  /// Deletes a dead letter from storage (run as a storage-writer job);
  /// false when it is no dead letter. Unset: purging is refused.
  std::function<outcome<bool>(const std::string& id)> purge_dead_letter;
  /// Required: reads stored records and the nonce index off the cooperative
  /// scheduler, for submissions, cancellations, restarts, dead-letter
  /// retries and purges, and recovery (a record_reader with a nonce index
  /// and recovery pages).
  record_reader_actor reader;
  /// Live records per page of recovery: the directory activates the
  /// intents of one page before it asks for the next.
  uint32_t recovery_page = 1024;
  /// Called with the number of live intent actors whenever it changes (on
  /// the directory's thread; keep it cheap). Unset: nobody is told.
  std::function<void(size_t live)> on_live_count;
};

/// Spawns the supervisor and directory of intent actors. It spawns one actor
/// per submitted or recovered intent, routes requests to live ones, answers
/// for finished ones from storage, expires intents at their deadlines and
/// restarts crashed ones from their last durable snapshot.
///   (submit_atom, intent, digest) -> submit_outcome
///   (cancel_atom, id)             -> record_outcome
///   (retry_atom, id)              -> record_outcome (a dead letter again)
///   (purge_atom, id)              -> record_outcome (the dead letter removed)
///   (recover_atom)                -> uint64_t (intents reactivated), or
///                                    an error naming the intent that
///                                    could not be read and why
///   (live_atom)                   -> uint64_t (live intent actors)
/// It reads storage only through `opts.reader`.
directory_actor spawn_directory(caf::actor_system& sys, intent_deps deps,
                                directory_options opts);

/// The record of a new submission: pending, first history entry, seq 1.
intent_record make_pending_record(intent in, std::string digest, time_us now);

} // namespace intentd

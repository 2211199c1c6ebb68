#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Commits a batch of records at once: all or nothing.
using commit_fn =
    std::function<write_outcome(const std::vector<intent_record>&)>;

struct writer_options {
  /// Largest number of records in one commit.
  size_t max_batch = 1024;
  /// How long the first write of a batch waits for others to join it
  /// before the commit starts (unless the batch fills first). Zero: the
  /// commit starts once the writes already waiting in the mailbox joined.
  std::chrono::microseconds max_wait{0};
  /// Called after every record commit with its duration, its number of
  /// records and whether it succeeded (metrics); may be empty.
  std::function<void(std::chrono::nanoseconds, size_t, bool)> on_commit;
  /// A small write that tells whether the storage takes writes again. After
  /// a failed commit it runs after growing pauses (0.1 s doubling to 5 s)
  /// until it succeeds, so that the storage is known writable again even
  /// when no intent writes; may be empty.
  std::function<write_outcome()> probe;
  /// Called with each probe's result; may be empty.
  std::function<void(bool)> on_probe;
};

/// Spawns the single storage writer. Requests `(write_atom, intent_record)`
/// are answered with a write_outcome once the batch holding them committed;
/// `(write_atom, storage_job)` runs the job after the records before it.
/// Every write that reaches the writer while a commit runs, or within
/// `max_wait` of the first write of a batch, joins that batch: one
/// transaction and one sync for many writers (group commit). On exit the
/// writer commits the batch it holds.
/// `detached` runs it on its own thread, off the cooperative scheduler;
/// tests drive it on the test coordinator instead.
storage_writer_actor spawn_storage_writer(caf::actor_system& sys,
                                          commit_fn commit, writer_options opts,
                                          bool detached = true);

} // namespace intentd

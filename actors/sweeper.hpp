#pragma once

#include <chrono>
#include <functional>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Removes at most `batch` terminal records last updated before `cutoff`;
/// returns how many it removed.
using purge_fn = std::function<outcome<size_t>(time_us cutoff, size_t batch)>;

struct sweeper_options {
  /// How long terminal intents are kept.
  std::chrono::seconds retention{7 * 24 * 3600};
  /// Records removed per write transaction.
  size_t batch = 500;
  /// Pause between sweeps once nothing is left to remove.
  std::chrono::milliseconds interval{60'000};
};

/// Spawns the retention sweeper: like a TTL index, it removes terminal
/// intents older than the retention, one small batch per storage-writer job,
/// so record writes queue between batches instead of waiting for a sweep.
sweeper_actor spawn_sweeper(caf::actor_system& sys, storage_writer_actor writer,
                            purge_fn purge, wall_clock now,
                            sweeper_options opts);

} // namespace intentd

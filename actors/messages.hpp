#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "config/config.hpp"
#include "persistence/intent_store.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/retry.hpp"

namespace intentd {

/// A wall clock in microseconds; tests inject one driven by the test clock.
using wall_clock = std::function<time_us()>;

/// Called once per durable write that moved an intent forward, with the
/// snapshot as stored and the sequence number published before it (the
/// transitions in between are the tail of its history). Runs on the
/// writing actor's thread: it must not block.
using transition_hook =
    std::function<void(const intent_record& stored, uint64_t previous_seq)>;

/// What every intent actor needs to reach.
struct intent_deps {
  storage_writer_actor writer;
  chain_actor chain;
  solver_pool_actor solvers;
  retry_policy retry;
  wall_clock now;
  std::chrono::milliseconds call_timeout{30'000};
  transition_hook on_transition; // may be empty
  /// Called each time an intent pauses because the chain could not store
  /// its call (chain_fault::storage_unavailable); may be empty.
  std::function<void()> on_storage_wait;
  /// Before a new submission's first write, ask the chain whether it
  /// executed the id already (its record purged by retention): then the
  /// chain's record answers it and it is not run again.
  bool ask_chain_first = false;
  /// The auction of external solvers; null when none is configured or the
  /// chain cannot settle. A verified intent is offered to it first.
  auction_actor auction;
  /// How long an intent waits for its auction's answer: the quote window
  /// plus a margin. Past it, or on any error, the built-in solvers take it.
  std::chrono::milliseconds auction_timeout{1'500};
};

} // namespace intentd

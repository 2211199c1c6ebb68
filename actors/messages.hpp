#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/message_types.hpp"

#include "config/config.hpp"
#include "persistence/intent_store.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/retry.hpp"

namespace intentd {

// Requests between the engine's actors.
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using resubmit_atom = caf::atom_constant<caf::atom("resubmit")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using execute_atom = caf::atom_constant<caf::atom("execute")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using tx_atom = caf::atom_constant<caf::atom("tx")>;
using get_atom = caf::get_atom;
using purge_atom = caf::atom_constant<caf::atom("purge")>;
using live_atom = caf::atom_constant<caf::atom("live")>;

/// A write other than intent records (solver counters, retention sweeps,
/// account keys), run on the storage writer's thread in order with the
/// record batches. Never crosses a node: the job closes over this
/// process's store, and the storage writer only ever runs local jobs.
using storage_job = std::function<write_outcome()>;

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
  caf::actor writer;
  caf::actor chain;
  caf::actor solvers; // the solver pool
  retry_policy retry;
  wall_clock now;
  std::chrono::milliseconds call_timeout{30'000};
  transition_hook on_transition; // may be empty
  /// Before a new submission's first write, ask the chain whether it
  /// executed the id already (its record purged by retention): then the
  /// chain's record answers it and it is not run again.
  bool ask_chain_first = false;
};

} // namespace intentd

// Local only: a job runs against this process's store (see storage_job).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::storage_job)

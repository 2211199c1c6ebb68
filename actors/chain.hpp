#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "runtime/model/chain_adapter.hpp"

namespace intentd {

struct chain_options {
  /// How long every verify, execute and settle takes to answer (block
  /// latency).
  std::chrono::milliseconds latency{20};
  /// On its own thread: needed when commits sync to disk.
  bool detached = false;
  /// Called with false when a commit fails and with true when one succeeds
  /// again (readiness); may be empty.
  std::function<void(bool)> on_commit{};
};

/// Spawns the chain actor: the one owner of a chain adapter.
///   (verify_atom, intent)            -> verify_result, after the latency
///   (execute_atom, intent, solver)   -> execute_result, after the latency
///   (settle_atom, intent, settlement) -> execute_result, after the latency:
///                                       settled for an external solver
///                                       (chain_adapter::settle)
///   (release_atom, id)               -> nothing
///   (status_atom, id)                -> chain_intent_state
///   (status_atom, hash, tx_atom)     -> std::optional<chain_tx>
///   (status_atom, id, execute_atom)  -> std::optional<chain_execution>
///   (get_atom, id)                   -> record_outcome: the intent as the
///                                       chain knows it (record_from_chain),
///                                       not_found when it never saw it
/// The call takes effect when it arrives; its answer waits for the latency
/// and for the adapter's commit, which covers every call queued with it.
///
/// A commit that fails (the chain's storage is full) stops nothing: the
/// calls of that block are answered with chain_fault::storage_unavailable
/// (nothing is confirmed; ask again), the adapter keeps the block, and the
/// commit is tried again after growing pauses (0.1 s doubling to 5 s).
/// Until one succeeds, verify, execute and settle are answered
/// storage_unavailable
/// at once without reaching the adapter, a release joins the kept block,
/// and an execution is not reported as landed.
chain_actor spawn_chain(caf::actor_system& sys,
                        std::unique_ptr<chain_adapter> adapter,
                        chain_options opts);

} // namespace intentd

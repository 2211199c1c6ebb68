#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

struct solver_pool_options {
  uint32_t solvers = 3;
  uint32_t failover_after = 3;
  std::chrono::milliseconds cooldown{5'000};
  /// How long one execution may take before it counts as a timeout.
  std::chrono::milliseconds call_timeout{30'000};
  /// Counters from an earlier run, by solver id.
  std::vector<solver_stats> initial_stats;
  /// Where counters are saved, at most once per `save_interval`, through
  /// the storage writer; no saving when either is unset.
  storage_writer_actor writer;
  std::function<write_outcome(const std::vector<solver_stats>&)> save;
  std::chrono::milliseconds save_interval{2'000};
  /// Called by each solver after every execution attempt (metrics).
  using execution_hook =
      std::function<void(const std::string& solver_id, action_kind action,
                         std::chrono::microseconds took)>;
  execution_hook on_execution;
  /// Called with a solver's counters at start and after every attempt.
  std::function<void(const solver_stats&)> on_stats;
};

/// Spawns the solver pool and its solvers ("solver-1" ...).
///   (execute_atom, intent) -> (execute_result, solver_id)
///       handed to a healthy solver, which runs it on the chain;
///   (stats_atom)           -> std::vector<solver_report>
solver_pool_actor spawn_solver_pool(caf::actor_system& sys, chain_actor chain,
                                    solver_pool_options opts);

} // namespace intentd

#pragma once

// The rows of GET /api/v1/solvers, made from what the solver pool and the
// auction report.

#include <vector>

#include "actors/message_data.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

/// A built-in solver: its executions, `settled` and `failed` as its
/// successes and failures, always connected, no quotes.
solver_view view_of(const solver_report& r);

/// An external solver: its settlements as its executions (attempts =
/// settled + failed, mean_execution_ms the mean from assigned to outcome),
/// healthy unless resting, and its quote counters.
solver_view view_of(const external_solver_report& r);

/// The built-in solvers in the pool's order, then the external ones in the
/// order of solvers.external.
std::vector<solver_view>
solver_views(const std::vector<solver_report>& builtin,
             const std::vector<external_solver_report>& external);

} // namespace intentd

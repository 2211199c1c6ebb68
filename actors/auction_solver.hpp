#pragma once

// The auction's record of one external solver: its configuration, fade
// breaker and counters, and the report GET /api/v1/solvers shows of it.
// Used on the auction's thread only (actors/auction.cpp).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "actors/auction.hpp"
#include "runtime/model/fade_breaker.hpp"

namespace intentd {

/// One configured solver and its counters, in memory since the start.
struct solver_entry {
  auction_solver config;
  fade_breaker breaker;
  uint64_t asked = 0;
  uint64_t answered = 0;
  uint64_t valid = 0;
  uint64_t won = 0;
  uint64_t settled = 0;
  uint64_t failed = 0;
  uint64_t total_response_us = 0;
  uint64_t total_settlement_us = 0; // assigned to outcome, over both
  std::map<std::string, uint64_t> rejected;
};

/// A settlement awaiting its outcome.
struct assignment {
  std::string solver_id;
  /// Unknown when its request has been forgotten meanwhile.
  std::optional<action_kind> action;
  time_us at = 0; // when it was assigned
};

/// The report of `s` at `now`; `connected` holds the ids connected now.
external_solver_report report_of(const solver_entry& s,
                                 const std::set<std::string>& connected,
                                 time_us now);

/// Counts the outcome of `done`, a settlement of `s` that ended `ok` or
/// failed at `now`, in its counters and fade breaker, and tells `observer`.
void count_settlement(solver_entry& s, const assignment& done, bool ok,
                      time_us now, const auction_observer& observer);

} // namespace intentd

#pragma once

// The auction of external solvers (docs/solvers.md, "Auction").
//
// One actor runs every intent's quote window. Asked with (auction_atom,
// intent), it sends a quote_request with a fresh request_id to every
// connected external solver that is not resting and answers once the window
// closes: after quote_window_ms, or earlier when every asked solver has
// answered or disconnected. The answer ranks the valid quotes by the
// selection rule (select_quote: a swap by the highest output_amount, a
// transfer or stake by the lowest fee, ties to the earlier quote), winner
// first; an empty ranking means no quote and the built-in solvers take the
// intent. With no solver to ask it answers at once.
//
// The transport hands it each quote frame as (quote_atom, solver_id, text,
// arrived_at). A frame that does not parse, names no open request, comes
// from a solver not asked, or fails check_quote is answered with an error
// frame to that solver and counted by reason. A solver that disconnects
// ((gone_atom, solver_id)) loses: its quotes in open windows no longer count.
//
// The caller reports what became of a ranked quote: (assigned_atom, solver,
// intent, request) when it settles with it, then (settled_atom, solver,
// intent, tx_hash, output_amount) or (failed_atom, solver, intent, reason).
// Each is sent to the solver as its frame; failed settlements feed the
// solver's fade breaker: failover_after in a row and it rests (is not asked)
// for cooldown_ms, doubling for each rest in a row up to 64 times.
//
// Each solver's counters (quotes asked, answered, valid, won, settlements
// settled and failed, refusals by reason, response and settlement times)
// live here, in memory; (stats_atom) reports them, and the observer hooks
// of auction_options hear each count as it happens (the metrics).
//
// For reconnect_grace_ms after it starts, an intent is held rather than
// offered while a configured solver that is not resting is not connected:
// the held intents' windows open, oldest first, once every such solver is
// connected ((ready_atom, solver_id) from the transport) or when the grace
// ends, with the solvers connected then. So intents recovered after a
// restart wait for the solvers to come back instead of going straight to the
// built-in solvers (actors/auction_grace.hpp).
//
// Bounded: at most max_open windows (an auction past it is refused as
// overloaded), max_held intents held in the grace (past it an intent goes
// on at once), max_quotes valid quotes per window, max_assigned settlements
// awaiting their outcome (the oldest forgotten first). The window runs on
// one delayed message at a time, for the oldest open window; a stale one is
// ignored. On exit the open windows and the held intents are answered as
// overloaded.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "runtime/model/quote_check.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

/// The connected external solvers, as the transport's registry knows them.
/// Both calls are made on the auction's thread and must not block.
struct solver_channel {
  /// Ids of the solvers connected and authenticated now.
  std::function<std::vector<std::string>()> connected;
  /// Queues a text frame to a solver; false when it is not connected or
  /// its connection refused the frame.
  std::function<bool(const std::string& solver_id, std::string text)> send;
};

/// Told of each count as the auction makes it, on the auction's thread;
/// every hook is optional and must not block.
struct auction_observer {
  /// A quote_request was sent to `solver`.
  std::function<void(const std::string& solver)> asked;
  /// The first in-time quote of `solver` for a request, `seconds` after
  /// the request was sent.
  std::function<void(const std::string& solver, double seconds)> answered;
  /// A quote of `solver` passed the checks.
  std::function<void(const std::string& solver)> valid;
  /// A quote or frame of `solver` was refused for `reason` (a quote_reject
  /// name or a frame error code).
  std::function<void(const std::string& solver, const std::string& reason)>
      rejected;
  /// `solver` was assigned to settle an intent.
  std::function<void(const std::string& solver)> won;
  /// A settlement of `solver` for an intent of `action` (nullopt when the
  /// auction no longer knew it) ended, `ok` or failed, `seconds` after its
  /// assignment; `after` is the solver's report with it counted (connected
  /// is not filled in).
  std::function<void(const external_solver_report& after,
                     std::optional<action_kind> action, bool ok,
                     double seconds)>
      settlement;
};

/// One configured external solver (solvers.external).
struct auction_solver {
  std::string solver_id;
  std::string public_key; // raw 32-byte ed25519 key
  std::string account;    // pays the output on settlement
};

struct auction_options {
  std::vector<auction_solver> solvers;
  token_registry tokens;
  /// The quote window (solvers.quote_window_ms).
  uint32_t quote_window_ms = 1000;
  /// How long after the start intents wait for the configured solvers to
  /// connect (solvers.reconnect_grace_ms); 0: they never wait.
  uint32_t reconnect_grace_ms = 0;
  /// Intents held at once in the grace.
  size_t max_held = 1024;
  /// Failed settlements in a row that send a solver to rest, and the first
  /// rest (solvers.failover_after, solvers.cooldown_ms).
  uint32_t failover_after = 3;
  uint32_t cooldown_ms = 5'000;
  quote_limits limits;
  size_t max_open = 1024;
  size_t max_quotes = 64;
  size_t max_assigned = 4096;
  /// Remembered quote signatures and answers (quote_replay_guard).
  size_t replay_capacity = 65'536;
  /// Wall clock in microseconds since the epoch; the quotes' arrival times
  /// are on it.
  std::function<time_us()> now;
  solver_channel channel;
  auction_observer observer;
  /// Request ids are "<prefix>-<n>"; empty: "rq" and the hex of the clock
  /// at spawn, so that ids differ across restarts.
  std::string request_prefix;
};

/// Spawns the auction (see the top of this file and auction_actor).
auction_actor spawn_auction(caf::actor_system& sys, auction_options opts);

} // namespace intentd

#pragma once

// The auction's reconnect grace (solvers.reconnect_grace_ms; docs/solvers.md,
// "After a restart"). For a bounded time after the auction starts, an
// intent is held instead of offered while a configured solver is missing
// (not connected, not resting); the held intents are offered, oldest first,
// once every configured solver is connected or when the grace ends. At most
// `max_held` wait: past that an intent goes on at once, with the solvers
// connected then. Used on the auction's thread only (actors/auction.cpp).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "actors/auction_solver.hpp"
#include "actors/message_data.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

/// An intent waiting for the solvers, with the promise of its auction.
struct held_auction {
  intent in;
  caf::typed_response_promise<auction_outcome> promise;
};

/// The configured solvers that are neither connected on `channel` nor
/// resting at `now`; none when the channel cannot tell.
std::vector<std::string>
missing_solvers(const std::vector<solver_entry>& solvers,
                const solver_channel& channel, time_us now);

class reconnect_grace {
public:
  /// The configured solvers missing now (missing_solvers).
  using missing_fn = std::function<std::vector<std::string>()>;
  /// Opens the quote window of a held intent.
  using offer_fn = std::function<void(held_auction&)>;

  /// No grace: nothing is ever held.
  reconnect_grace() = default;
  /// A grace of `grace_ms` from `start`; none when `grace_ms` is 0.
  reconnect_grace(time_us start, uint32_t grace_ms, size_t max_held);

  /// Whether the grace still runs at `now`.
  bool running(time_us now) const { return !ended_ && now < ends_at_; }
  size_t held() const { return held_.size(); }

  /// An intent arriving at `now`: held with `rp` (true) while the grace
  /// runs and a solver is missing, unless `max_held` are held already.
  /// Otherwise false, after the held intents went first through `offer`
  /// once none is missing or the grace ended.
  bool hold(const intent& in,
            const caf::typed_response_promise<auction_outcome>& rp, time_us now,
            const missing_fn& missing, const offer_fn& offer);

  /// A solver connected at `now`: the held intents go through `offer` once
  /// none is missing or the grace ended.
  void solver_ready(time_us now, const missing_fn& missing,
                    const offer_fn& offer);

  /// Ends the grace (its time is up): nothing is held from now on, and the
  /// held intents go through `offer`.
  void end(const offer_fn& offer);

  /// Takes the held intents, oldest first, without offering them.
  std::deque<held_auction> release();

private:
  /// Offers the held intents, oldest first; `why` for the log.
  void offer_held(const char* why, const offer_fn& offer);

  time_us ends_at_ = 0;
  size_t max_held_ = 0;
  bool ended_ = true;
  uint64_t overflowed_ = 0;
  std::deque<held_auction> held_;
};

} // namespace intentd

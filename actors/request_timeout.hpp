#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/duration.hpp>
#include <caf/local_actor.hpp>
#include <caf/message_id.hpp>

namespace caf {
class scheduled_actor;
} // namespace caf

namespace intentd {

/// Removes the timeout of an answered request from the actor clock. CAF 0.17
/// leaves it scheduled until it fires, even after the answer arrived: about
/// 150 bytes per request, held for the whole timeout (minutes for calls to a
/// slow chain). Call it first thing in both handlers of a `then` of a
/// request made with CAF's own timeout (not timed_request).
inline void drop_timeout(caf::local_actor* self, caf::message_id request) {
  self->clock().cancel_request_timeout(self, request);
}

/// The deadlines of one actor's outstanding requests, kept by the actor
/// itself, with one timer in the actor clock at the earliest deadline
/// instead of one timer per request.
///
/// CAF 0.17 gives every request with a timeout its own entry in the clock
/// and a second message to the clock's thread to cancel it when the answer
/// comes: under load, two wake-ups of that thread per request and a scan of
/// the actor's timers there, about a seventh of intentd's CPU per intent.
/// Here a request adds an entry to a heap by deadline and its id to a hash
/// map, and the clock hears from the actor only when no timer of its own is
/// due early enough. An answer takes the id out of the map alone: its heap
/// entry is passed over when it reaches the top, and the heap is rebuilt
/// without the answered ones once they outnumber the waiting ones (plus a
/// few), so add costs O(log n) and drop O(1) amortized for n waiting
/// requests (thousands for the engine's bridge: server.max_in_flight),
/// and the heap holds at most about 2n entries.
///
/// A request not answered by its deadline gets the sec::request_timeout
/// error CAF would deliver, through the same handler; an answer arriving
/// after it is dropped as CAF drops late answers. Used only on the owning
/// actor's thread; destroying it (with the actor's state) cancels its
/// timers.
class request_deadlines {
public:
  using clock_type = caf::actor_clock;
  using time_point = clock_type::time_point;

  request_deadlines() = default;
  request_deadlines(const request_deadlines&) = delete;
  request_deadlines& operator=(const request_deadlines&) = delete;
  ~request_deadlines();

  /// Counts down `timeout` for the request answered under `response_id`
  /// (the id of the request's response_handle).
  void add(caf::scheduled_actor* self, caf::message_id response_id,
           std::chrono::milliseconds timeout);

  /// The answer or an error for `response_id` arrived.
  void drop(caf::message_id response_id);

  /// Requests still waiting for their answer.
  size_t pending() const { return waiting_.size(); }

  /// Deadlines kept, answered ones not yet passed over included.
  size_t entries() const { return by_due_.size(); }

  /// Timers in the actor clock (at most a few: one per deadline earlier
  /// than every timer already set).
  size_t timers() const { return timers_.size(); }

private:
  struct entry {
    time_point due;
    uint64_t seq; // the order added: requests due at once time out in it
    uint64_t id;
  };
  struct timer {
    time_point due;
    uint64_t id;
  };

  /// Whether `e` is the entry of a request still waiting (not dropped).
  bool waiting(const entry& e) const;
  /// Pops the entries of answered requests off the top of the heap.
  void pop_answered();
  /// Rebuilds the heap without the answered requests' entries once they
  /// outnumber the waiting ones (and a few more).
  void compact();
  void arm(time_point due);
  void fire(uint64_t timer_id);

  caf::scheduled_actor* self_ = nullptr;
  /// A min-heap by (due, seq), with entries of answered requests until
  /// they reach the top or compact() drops them.
  std::vector<entry> by_due_;
  std::unordered_map<uint64_t, uint64_t> waiting_; // id -> seq of its entry
  uint64_t next_seq_ = 0;
  std::vector<timer> timers_; // set in the clock, not yet fired
};

/// `self->request(dest, timeout, xs...)` with the timeout kept in `dl`
/// (see request_deadlines). Call `dl.drop(h.id())` first thing in both
/// handlers of the returned handle's `then`.
template<class Self, class Handle, class... Ts>
auto timed_request(Self* self, request_deadlines& dl, const Handle& dest,
                   std::chrono::milliseconds timeout, Ts&&... xs) {
  auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  dl.add(self, h.id(), timeout);
  return h;
}

} // namespace intentd

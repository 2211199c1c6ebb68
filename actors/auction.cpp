#include "actors/auction.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <spdlog/spdlog.h>

#include "actors/auction_grace.hpp"
#include "actors/auction_solver.hpp"
#include "runtime/model/lru_table.hpp"
#include "runtime/model/quote_selection.hpp"
#include "runtime/model/solver_frames.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

/// Recently closed requests remembered, so that a quote for one is refused
/// as late rather than as naming an unknown request.
constexpr size_t closed_memory = 4096;

/// One open quote window.
struct open_auction {
  quote_request request;
  caf::typed_response_promise<auction_outcome> promise;
  std::vector<std::string> asked;
  std::set<std::string> answered;
  std::set<std::string> gone;
  std::vector<accepted_quote> quotes; // in arrival order
};

struct auction_state {
  auction_options opts;
  std::vector<solver_entry> solvers;
  std::map<std::string, size_t> index; // solver id -> solvers
  std::map<std::string, open_auction> open;
  /// Open request ids in the order their windows close (they all have the
  /// same length); ids closed early are skipped when they come up.
  std::deque<std::string> closing;
  /// Closed request id -> the action it was for.
  lru_table<action_kind> closed{closed_memory};
  /// Intent id -> the solver assigned to settle it, until its outcome.
  lru_table<assignment> assigned{1};
  std::unique_ptr<quote_replay_guard> replays;
  /// Intents waiting for the solvers to connect after the start.
  reconnect_grace grace;
  uint64_t next_request = 0;
  bool timer_pending = false;
  static inline const char* name = "auction";
};

/// The auction with its window timer and the end of its reconnect grace.
using auction_self_actor = auction_actor::extend<caf::reacts_to<close_atom>,
                                                 caf::reacts_to<release_atom>>;
using auction_self = auction_self_actor::stateful_pointer<auction_state>;

solver_entry* find_solver(auction_state& st, const std::string& id) {
  auto i = st.index.find(id);
  return i == st.index.end() ? nullptr : &st.solvers[i->second];
}

void send_frame(auction_state& st, const std::string& id, std::string text) {
  if (st.opts.channel.send && !st.opts.channel.send(id, std::move(text)))
    spdlog::debug("solver {} did not take a frame (disconnected or slow)", id);
}

/// Counts a refused quote or frame and tells the solver why.
void refuse(auction_state& st, solver_entry& s, const std::string& code,
            const std::string& message) {
  ++s.rejected[code];
  if (st.opts.observer.rejected)
    st.opts.observer.rejected(s.config.solver_id, code);
  send_frame(st, s.config.solver_id, render_error(code, message));
}

/// Answers the window of `request_id` with its ranked quotes.
void close_auction(auction_self self, const std::string& request_id) {
  auto& st = self->state;
  auto i = st.open.find(request_id);
  if (i == st.open.end())
    return;
  auto& a = i->second;
  auction_result result;
  result.request_id = request_id;
  result.asked = static_cast<uint32_t>(a.asked.size());
  result.valid = static_cast<uint32_t>(a.quotes.size());
  auto now = st.opts.now();
  std::vector<size_t> tried;
  while (auto best = select_quote(a.request, a.quotes, now, tried)) {
    tried.push_back(*best);
    auto& q = a.quotes[*best];
    auction_quote out;
    out.solver_id = q.solver_id;
    if (auto* s = find_solver(st, q.solver_id))
      out.account = s->config.account;
    out.quote = q.quote;
    out.output_amount = q.output_amount;
    out.fee = q.fee;
    out.valid_until = q.valid_until;
    out.arrived_at = q.arrived_at;
    result.ranked.push_back(std::move(out));
  }
  a.promise.deliver(auction_outcome{std::move(result)});
  st.closed.put(request_id, a.request.action);
  st.open.erase(i);
}

/// Closes the window when every asked solver answered or disconnected.
void close_if_complete(auction_self self, const std::string& request_id) {
  auto& st = self->state;
  auto i = st.open.find(request_id);
  if (i == st.open.end())
    return;
  auto& a = i->second;
  for (auto& id : a.asked)
    if (a.answered.count(id) == 0 && a.gone.count(id) == 0)
      return;
  close_auction(self, request_id);
}

/// Schedules the close of the oldest open window unless a timer is pending.
void arm_timer(auction_self self) {
  auto& st = self->state;
  while (!st.closing.empty() && st.open.count(st.closing.front()) == 0)
    st.closing.pop_front();
  if (st.timer_pending || st.closing.empty())
    return;
  auto due = st.open.at(st.closing.front()).request.closes_at();
  auto wait = std::max<time_us>(due - st.opts.now(), 0);
  st.timer_pending = true;
  self->delayed_send(self, std::chrono::microseconds{wait}, close_atom::value);
}

/// Closes every window due by now, then waits for the next.
void on_timer(auction_self self) {
  auto& st = self->state;
  st.timer_pending = false;
  auto now = st.opts.now();
  while (!st.closing.empty()) {
    auto id = st.closing.front();
    auto i = st.open.find(id);
    if (i != st.open.end() && i->second.request.closes_at() > now)
      break;
    st.closing.pop_front();
    close_auction(self, id);
  }
  arm_timer(self);
}

std::string request_prefix(const auction_options& opts) {
  if (!opts.request_prefix.empty())
    return opts.request_prefix;
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "rq%llx",
                static_cast<unsigned long long>(opts.now ? opts.now() : 0));
  return buf.data();
}

/// Sends the quote request of `in` to the solvers connected now and opens
/// its window, or answers `rp` at once when there is nobody to ask.
void open_window(auction_self self, const intent& in,
                 caf::typed_response_promise<auction_outcome> rp) {
  auto& st = self->state;
  if (st.open.size() >= st.opts.max_open) {
    rp.deliver(auction_outcome{
        problem{errc::overloaded,
                "too many intents are waiting for quotes; try again later",
                {}}});
    return;
  }
  auto now = st.opts.now();
  auto id = st.opts.request_prefix + "-" + std::to_string(++st.next_request);
  auto request =
      make_quote_request(in, st.opts.tokens, id, st.opts.quote_window_ms, now);
  if (!request) {
    rp.deliver(
        auction_outcome{problem{errc::invalid_intent,
                                "intent " + in.id + " names an unknown token",
                                {}}});
    return;
  }
  std::vector<std::string> asked;
  if (st.opts.channel.connected && st.opts.channel.send) {
    auto frame = render_quote_request(*request);
    for (auto& sid : st.opts.channel.connected()) {
      auto* s = find_solver(st, sid);
      if (s == nullptr || s->breaker.resting(now) ||
          std::find(asked.begin(), asked.end(), sid) != asked.end())
        continue;
      if (!st.opts.channel.send(sid, frame))
        continue;
      ++s->asked;
      if (st.opts.observer.asked)
        st.opts.observer.asked(sid);
      asked.push_back(sid);
    }
  }
  if (asked.empty()) {
    rp.deliver(auction_outcome{auction_result{}});
    return;
  }
  open_auction a;
  a.request = std::move(*request);
  a.promise = std::move(rp);
  a.asked = std::move(asked);
  st.open.emplace(id, std::move(a));
  st.closing.push_back(id);
  arm_timer(self);
}

/// The configured solvers missing at `now`, for the reconnect grace.
reconnect_grace::missing_fn missing_at(const auction_state& st, time_us now) {
  return
      [&st, now] { return missing_solvers(st.solvers, st.opts.channel, now); };
}

/// Opens a held intent's window, for the reconnect grace.
reconnect_grace::offer_fn offer_held(auction_self self) {
  return [self](held_auction& h) {
    open_window(self, h.in, std::move(h.promise));
  };
}

/// Opens the window of `in` unless the reconnect grace holds it.
caf::typed_response_promise<auction_outcome> start_auction(auction_self self,
                                                           const intent& in) {
  auto& st = self->state;
  auto rp = self->make_response_promise<auction_outcome>();
  auto now = st.opts.now();
  if (!st.grace.hold(in, rp, now, missing_at(st, now), offer_held(self)))
    open_window(self, in, rp);
  return rp;
}

void take_quote(auction_self self, const std::string& solver_id,
                const std::string& text, time_us arrived_at) {
  auto& st = self->state;
  auto* s = find_solver(st, solver_id);
  if (s == nullptr) {
    spdlog::warn("a quote frame from unknown solver {} was dropped", solver_id);
    return;
  }
  auto frame = parse_solver_frame(text);
  if (auto* e = std::get_if<frame_error>(&frame)) {
    refuse(st, *s, e->code, e->message);
    return;
  }
  if (std::holds_alternative<auth_frame>(frame)) {
    refuse(st, *s, "unknown_type", "already authenticated; send quotes");
    return;
  }
  auto& q = std::get<solver_quote>(frame);
  auto i = st.open.find(q.request_id);
  if (i == st.open.end()) {
    if (st.closed.find(q.request_id) != nullptr)
      refuse(st, *s, to_string(quote_reject::late),
             "the window of request " + q.request_id + " has closed");
    else
      refuse(st, *s, to_string(quote_reject::wrong_request),
             "no open request " + q.request_id);
    return;
  }
  auto& a = i->second;
  if (std::find(a.asked.begin(), a.asked.end(), solver_id) == a.asked.end()) {
    refuse(st, *s, to_string(quote_reject::wrong_request),
           "request " + q.request_id + " was not sent to " + solver_id);
    return;
  }
  // Disconnected during the window: it lost this one.
  if (a.gone.count(solver_id) != 0)
    return;
  auto& r = a.request;
  if (arrived_at < r.closes_at() && a.answered.insert(solver_id).second) {
    auto took = std::max<time_us>(arrived_at - r.sent_at, 0);
    ++s->answered;
    s->total_response_us += static_cast<uint64_t>(took);
    if (st.opts.observer.answered)
      st.opts.observer.answered(solver_id, static_cast<double>(took) / 1e6);
  }
  if (a.quotes.size() >= st.opts.max_quotes) {
    refuse(st, *s, "too_many_quotes",
           "request " + q.request_id + " has all the quotes it takes");
  } else {
    auto verdict = check_quote(r, q, solver_id, s->config.public_key,
                               arrived_at, st.opts.limits, *st.replays);
    if (auto* no = std::get_if<quote_rejection>(&verdict)) {
      refuse(st, *s, to_string(no->reason), no->message);
    } else {
      ++s->valid;
      if (st.opts.observer.valid)
        st.opts.observer.valid(solver_id);
      a.quotes.push_back(std::move(std::get<accepted_quote>(verdict)));
    }
  }
  close_if_complete(self, q.request_id);
}

void solver_gone(auction_self self, const std::string& solver_id) {
  auto& st = self->state;
  std::vector<std::string> touched;
  for (auto& [id, a] : st.open) {
    if (std::find(a.asked.begin(), a.asked.end(), solver_id) == a.asked.end())
      continue;
    a.gone.insert(solver_id);
    a.quotes.erase(std::remove_if(a.quotes.begin(), a.quotes.end(),
                                  [&](const accepted_quote& q) {
                                    return q.solver_id == solver_id;
                                  }),
                   a.quotes.end());
    touched.push_back(id);
  }
  for (auto& id : touched)
    close_if_complete(self, id);
}

/// The solver assigned to settle `intent_id`, when it is `solver_id`,
/// with its assignment moved into `out`; forgets the assignment. Null (and
/// a warning) otherwise.
solver_entry* take_assignment(auction_state& st, const std::string& solver_id,
                              const std::string& intent_id, const char* what,
                              assignment& out) {
  auto* assigned = st.assigned.find(intent_id);
  auto* s = find_solver(st, solver_id);
  if (assigned == nullptr || assigned->solver_id != solver_id || s == nullptr) {
    spdlog::warn("{} of intent {} by {} ignored: not assigned to it", what,
                 intent_id, solver_id);
    return nullptr;
  }
  out = std::move(*assigned);
  st.assigned.erase(intent_id);
  return s;
}

auction_self_actor::behavior_type auction_impl(auction_self self,
                                               auction_options opts) {
  auto& st = self->state;
  opts.request_prefix = request_prefix(opts);
  st.replays = std::make_unique<quote_replay_guard>(opts.replay_capacity);
  st.assigned = lru_table<assignment>{opts.max_assigned};
  auto schedule = fade_schedule(opts.failover_after, opts.cooldown_ms);
  for (auto& config : opts.solvers) {
    if (st.index.count(config.solver_id) != 0)
      continue;
    st.index.emplace(config.solver_id, st.solvers.size());
    solver_entry s;
    s.config = config;
    s.breaker = fade_breaker{schedule};
    st.solvers.push_back(std::move(s));
  }
  st.opts = std::move(opts);
  if (st.opts.reconnect_grace_ms > 0 && !st.solvers.empty()) {
    st.grace = reconnect_grace{st.opts.now(), st.opts.reconnect_grace_ms,
                               st.opts.max_held};
    self->delayed_send(self,
                       std::chrono::milliseconds{st.opts.reconnect_grace_ms},
                       release_atom::value);
  }
  // Open windows and held intents are answered before the actor goes:
  // nobody waits on a promise that can no longer be kept.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    auto stopped = [] {
      return auction_outcome{
          problem{errc::overloaded, "the auction stopped", {}}};
    };
    for (auto& [id, a] : st.open)
      a.promise.deliver(stopped());
    for (auto& h : st.grace.release())
      h.promise.deliver(stopped());
    st.open.clear();
    st.closing.clear();
    self->quit(msg.reason);
  });
  return {
      [=](auction_atom, const intent& in) { return start_auction(self, in); },
      [=](quote_atom, const std::string& solver_id, const std::string& text,
          time_us arrived_at) {
        take_quote(self, solver_id, text, arrived_at);
      },
      [=](gone_atom, const std::string& solver_id) {
        solver_gone(self, solver_id);
      },
      [=](ready_atom, const std::string&) {
        auto& st = self->state;
        auto now = st.opts.now();
        st.grace.solver_ready(now, missing_at(st, now), offer_held(self));
      },
      [=](assigned_atom, const std::string& solver_id,
          const std::string& intent_id, const std::string& request_id) {
        auto& st = self->state;
        auto* s = find_solver(st, solver_id);
        if (s == nullptr) {
          spdlog::warn("intent {} assigned to unknown solver {} ignored",
                       intent_id, solver_id);
          return;
        }
        ++s->won;
        if (st.opts.observer.won)
          st.opts.observer.won(solver_id);
        // The window closed before the engine assigned its quote.
        auto* action = st.closed.find(request_id);
        st.assigned.put(intent_id, assignment{solver_id,
                                              action ? std::optional{*action}
                                                     : std::nullopt,
                                              st.opts.now()});
        send_frame(st, solver_id, render_assigned(intent_id, request_id));
      },
      [=](settled_atom, const std::string& solver_id,
          const std::string& intent_id, const std::string& tx_hash,
          const std::string& output_amount) {
        auto& st = self->state;
        assignment done;
        auto* s = take_assignment(st, solver_id, intent_id, "settlement", done);
        if (s == nullptr)
          return;
        count_settlement(*s, done, true, st.opts.now(), st.opts.observer);
        send_frame(st, solver_id,
                   render_settled(intent_id, tx_hash, output_amount));
      },
      [=](failed_atom, const std::string& solver_id,
          const std::string& intent_id, const std::string& reason) {
        auto& st = self->state;
        assignment done;
        auto* s = take_assignment(st, solver_id, intent_id, "failed settlement",
                                  done);
        if (s == nullptr)
          return;
        auto now = st.opts.now();
        count_settlement(*s, done, false, now, st.opts.observer);
        if (s->breaker.resting(now))
          spdlog::warn("solver {} rests until {} after {} failed settlements",
                       solver_id, format_rfc3339(s->breaker.resting_until()),
                       st.opts.failover_after);
        send_frame(st, solver_id, render_settlement_failed(intent_id, reason));
      },
      [=](stats_atom) {
        auto& st = self->state;
        std::set<std::string> connected;
        if (st.opts.channel.connected)
          for (auto& id : st.opts.channel.connected())
            connected.insert(id);
        auto now = st.opts.now();
        std::vector<external_solver_report> out;
        for (auto& s : st.solvers)
          out.push_back(report_of(s, connected, now));
        return out;
      },
      [=](close_atom) { on_timer(self); },
      [=](release_atom) { self->state.grace.end(offer_held(self)); },
  };
}

} // namespace

auction_actor spawn_auction(caf::actor_system& sys, auction_options opts) {
  if (!opts.now)
    opts.now = wall_clock_now;
  return sys.spawn(auction_impl, std::move(opts));
}

} // namespace intentd

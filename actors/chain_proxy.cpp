#include "actors/chain_proxy.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/request_timeout.hpp"

namespace intentd {

namespace {

using finish_fn = std::function<void(chain_outcome)>;

struct chain_proxy_state {
  chain_proxy_options opts;
  uint64_t next_token = 0;
  /// Calls sent and not answered yet, by token.
  std::unordered_map<uint64_t, finish_fn> waiting;
  /// When each call sent times out, oldest first: the timeout is the same
  /// for every call, so one timer serves them all.
  std::deque<std::pair<caf::actor_clock::time_point, uint64_t>> deadlines;
  bool timer_armed = false;
  /// Releases waiting for their pause before they are sent again.
  std::size_t releases = 0;
  static inline const char* name = "chain-proxy";
};

/// With the answers and timeouts it sends itself, and releases sent again
/// (the try they are at).
using proxy_actor =
    chain_actor::extend<caf::reacts_to<deliver_atom, uint64_t, chain_outcome>,
                        caf::reacts_to<tick_atom>,
                        caf::reacts_to<release_atom, std::string, uint32_t>>;
using proxy_self = proxy_actor::stateful_pointer<chain_proxy_state>;

problem unreachable(const chain_proxy_options& opts) {
  return problem{errc::node_unavailable,
                 "Node " + opts.node +
                     ", which hosts the chain, cannot be reached; retry "
                     "shortly.",
                 {}};
}

/// How a call that got no answer failed, as the chain would say it.
chain_fault fault_of(const problem& p) {
  switch (p.code) {
  case errc::node_unavailable:
    return chain_fault::unreachable;
  case errc::timeout:
    return chain_fault::timeout;
  default:
    return chain_fault::network_error;
  }
}

caf::error error_of(const problem& p) {
  return caf::make_error(p.code == errc::timeout
                             ? caf::sec::request_timeout
                             : caf::sec::request_receiver_down,
                         p.message);
}

void arm_timer(proxy_self self) {
  auto& st = self->state;
  if (st.timer_armed || st.deadlines.empty())
    return;
  st.timer_armed = true;
  auto wait = st.deadlines.front().first - self->clock().now();
  self->delayed_send(self, std::max(wait, caf::timespan{0}), tick_atom::value);
}

/// Answers every call whose timeout has passed, then waits for the next.
void time_out_due(proxy_self self) {
  auto& st = self->state;
  st.timer_armed = false;
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.front().first <= now) {
    auto token = st.deadlines.front().second;
    st.deadlines.pop_front();
    auto i = st.waiting.find(token);
    if (i == st.waiting.end())
      continue; // answered in time
    auto finish = std::move(i->second);
    st.waiting.erase(i);
    finish(problem{errc::timeout,
                   "Node " + st.opts.node +
                       ", which hosts the chain, did not answer within " +
                       std::to_string(st.opts.timeout.count()) + " ms.",
                   {}});
  }
  arm_timer(self);
}

/// Sends `call` through the link; `finish` gets the answer or the problem
/// why there is none, always on this actor.
void send_call(proxy_self self, chain_call call, finish_fn finish) {
  auto& st = self->state;
  if (st.waiting.size() >= st.opts.max_waiting)
    return finish(problem{errc::overloaded,
                          "Too many calls wait for node " + st.opts.node +
                              ", which hosts the chain.",
                          {}});
  auto link = st.opts.link ? st.opts.link->get() : chain_link{};
  if (!link)
    return finish(unreachable(st.opts));
  auto token = ++st.next_token;
  st.waiting.emplace(token, std::move(finish));
  st.deadlines.emplace_back(self->clock().now() + st.opts.timeout, token);
  arm_timer(self);
  auto home = caf::actor_cast<caf::actor>(self);
  link(std::move(call), [home, token](chain_outcome r) {
    caf::anon_send(home, deliver_atom::value, token, std::move(r));
  });
}

template<class Out>
using promise = caf::typed_response_promise<Out>;

/// A query: the value `pick` takes from the reply, or an error.
template<class Out, class Pick>
promise<Out> query(proxy_self self, chain_call call, Pick pick) {
  auto rp = self->make_response_promise<Out>();
  send_call(self, std::move(call), [rp, pick](chain_outcome r) mutable {
    if (!r)
      rp.deliver(error_of(r.error()));
    else
      rp.deliver(pick(*r));
  });
  return rp;
}

/// An execute or a settle: the chain's execute_result, or the fault of a
/// call that got no answer.
promise<execute_result> execution(proxy_self self, chain_call call) {
  auto rp = self->make_response_promise<execute_result>();
  send_call(self, std::move(call), [rp](chain_outcome r) mutable {
    execute_result out;
    if (r)
      out = std::move(r->executed);
    else
      out.fault = fault_of(r.error());
    rp.deliver(std::move(out));
  });
  return rp;
}

chain_call call_of(chain_call_kind kind, std::string key) {
  chain_call c;
  c.kind = kind;
  c.key = std::move(key);
  return c;
}

void release(proxy_self self, std::string id, uint32_t tries) {
  send_call(self, call_of(chain_call_kind::release, id),
            [self, id, tries](chain_outcome r) {
              if (r)
                return;
              auto& st = self->state;
              if (st.releases >= st.opts.max_releases) {
                spdlog::error("the release of intent {} did not reach the "
                              "chain on node {} and is dropped ({} releases "
                              "wait already): {}",
                              id, st.opts.node, st.releases, r.error().message);
                return;
              }
              ++st.releases;
              auto pause = std::min<std::chrono::milliseconds>(
                  std::chrono::milliseconds{100u << std::min(tries, 6u)},
                  std::chrono::milliseconds{5'000});
              self->delayed_send(self, pause, release_atom::value, id,
                                 tries + 1);
            });
}

proxy_actor::behavior_type proxy_impl(proxy_self self,
                                      chain_proxy_options opts) {
  self->state.opts = std::move(opts);
  return {
      [=](verify_atom, intent& in) {
        auto rp = self->make_response_promise<verify_result>();
        chain_call c;
        c.kind = chain_call_kind::verify;
        c.request = std::move(in);
        send_call(self, std::move(c), [rp](chain_outcome r) mutable {
          rp.deliver(r ? r->verified : verify_result{fault_of(r.error())});
        });
        return rp;
      },
      [=](execute_atom, intent& in, std::string& solver) {
        chain_call c;
        c.kind = chain_call_kind::execute;
        c.request = std::move(in);
        c.solver = std::move(solver);
        return execution(self, std::move(c));
      },
      [=](settle_atom, intent& in, settlement& terms) {
        chain_call c;
        c.kind = chain_call_kind::settle;
        c.request = std::move(in);
        c.terms = std::move(terms);
        return execution(self, std::move(c));
      },
      [=](release_atom, std::string& id) { release(self, std::move(id), 0); },
      [=](release_atom, std::string& id, uint32_t tries) {
        --self->state.releases;
        release(self, std::move(id), tries);
      },
      [=](status_atom, std::string& id) {
        return query<chain_intent_state>(
            self, call_of(chain_call_kind::status, std::move(id)),
            [](chain_reply& r) { return r.state; });
      },
      [=](status_atom, std::string& hash, tx_atom) {
        return query<std::optional<chain_tx>>(
            self, call_of(chain_call_kind::tx, std::move(hash)),
            [](chain_reply& r) { return std::move(r.tx); });
      },
      [=](status_atom, std::string& id, execute_atom) {
        return query<std::optional<chain_execution>>(
            self, call_of(chain_call_kind::execution, std::move(id)),
            [](chain_reply& r) { return std::move(r.execution); });
      },
      [=](get_atom, std::string& id) {
        auto rp = self->make_response_promise<record_outcome>();
        send_call(self, call_of(chain_call_kind::get, id),
                  [rp, id](chain_outcome r) mutable {
                    record_outcome out;
                    if (!r)
                      out = r.error();
                    else if (!r->record)
                      out = problem{
                          errc::not_found, "No intent with id " + id + ".", {}};
                    else
                      out = std::move(*r->record);
                    rp.deliver(std::move(out));
                  });
        return rp;
      },
      [=](deliver_atom, uint64_t token, chain_outcome& r) {
        auto& waiting = self->state.waiting;
        auto i = waiting.find(token);
        if (i == waiting.end())
          return; // timed out before
        auto finish = std::move(i->second);
        waiting.erase(i);
        finish(std::move(r));
      },
      [=](tick_atom) { time_out_due(self); },
  };
}

/// Asks `chain` for a T with `xs...` and hands `fill`'s reply to `done`.
template<class T, class Fill, class... Ts>
void ask_one(caf::event_based_actor* self, const chain_actor& chain,
             std::chrono::milliseconds timeout,
             std::function<void(chain_outcome)> done, Fill fill, Ts&&... xs) {
  auto h = self->request(chain, timeout, std::forward<Ts>(xs)...);
  h.then(
      [=, mid = h.id()](T& value) {
        drop_timeout(self, mid);
        chain_reply r;
        fill(r, std::move(value));
        done(std::move(r));
      },
      [=, mid = h.id()](caf::error& err) {
        drop_timeout(self, mid);
        done(problem{errc::timeout,
                     "The chain did not answer: " + caf::to_string(err),
                     {}});
      });
}

} // namespace

chain_actor spawn_chain_proxy(caf::actor_system& sys,
                              chain_proxy_options opts) {
  return sys.spawn(proxy_impl, std::move(opts));
}

void ask_chain(caf::event_based_actor* self, const chain_actor& chain,
               chain_call call, std::chrono::milliseconds timeout,
               std::function<void(chain_outcome)> done) {
  switch (call.kind) {
  case chain_call_kind::verify:
    return ask_one<verify_result>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, verify_result v) { r.verified = v; },
        verify_atom::value, std::move(call.request));
  case chain_call_kind::execute:
    return ask_one<execute_result>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, execute_result v) { r.executed = std::move(v); },
        execute_atom::value, std::move(call.request), std::move(call.solver));
  case chain_call_kind::settle:
    return ask_one<execute_result>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, execute_result v) { r.executed = std::move(v); },
        settle_atom::value, std::move(call.request), std::move(call.terms));
  case chain_call_kind::release:
    self->send(chain, release_atom::value, std::move(call.key));
    return done(chain_reply{});
  case chain_call_kind::status:
    return ask_one<chain_intent_state>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, chain_intent_state v) { r.state = v; },
        status_atom::value, std::move(call.key));
  case chain_call_kind::tx:
    return ask_one<std::optional<chain_tx>>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, std::optional<chain_tx> v) { r.tx = std::move(v); },
        status_atom::value, std::move(call.key), tx_atom::value);
  case chain_call_kind::execution:
    return ask_one<std::optional<chain_execution>>(
        self, chain, timeout, std::move(done),
        [](chain_reply& r, std::optional<chain_execution> v) {
          r.execution = std::move(v);
        },
        status_atom::value, std::move(call.key), execute_atom::value);
  case chain_call_kind::get: {
    auto h = self->request(chain, timeout, get_atom::value, call.key);
    h.then(
        [=, mid = h.id()](record_outcome& found) {
          drop_timeout(self, mid);
          chain_reply r;
          if (found)
            r.record = std::move(*found);
          else if (found.error().code != errc::not_found)
            return done(found.error());
          done(std::move(r));
        },
        [=, mid = h.id()](caf::error& err) {
          drop_timeout(self, mid);
          done(problem{errc::timeout,
                       "The chain did not answer: " + caf::to_string(err),
                       {}});
        });
    return;
  }
  }
  done(problem{errc::bad_request, "an unknown chain call", {}});
}

} // namespace intentd

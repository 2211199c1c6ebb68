#include "actors/chain.hpp"

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"

namespace intentd {

namespace {

using answer = std::function<void()>;

struct chain_state {
  std::unique_ptr<chain_adapter> adapter;
  chain_options opts;
  /// Answers waiting for their latency to pass, due oldest first: the
  /// latency is the same for every call, so one timer serves them all.
  std::deque<std::pair<caf::actor_clock::time_point, answer>> waiting;
  bool timer_armed = false;
  /// Answers waiting only for the next commit.
  std::vector<answer> ready;
  bool dirty = false; // effects not yet committed
  bool commit_queued = false;
  static inline const char* name = "chain";
};

using chain_actor = caf::stateful_actor<chain_state>;

/// Seals the effects of every call so far; answers wait for it. A failed
/// commit leaves the chain's state unknowable, so the actor stops.
bool commit(chain_actor* self) {
  auto& st = self->state;
  st.commit_queued = false;
  if (st.dirty) {
    st.dirty = false;
    if (!st.adapter->commit()) {
      spdlog::critical("the chain could not commit its block; stopping it");
      self->quit(caf::make_error(caf::sec::runtime_error, "chain commit"));
      return false;
    }
  }
  auto ready = std::move(st.ready);
  st.ready.clear();
  for (auto& a : ready)
    a();
  return true;
}

/// Commits once the calls already in the mailbox are applied, so that one
/// commit covers them all.
void changed(chain_actor* self) {
  auto& st = self->state;
  st.dirty = true;
  if (!st.commit_queued) {
    st.commit_queued = true;
    self->send(self, flush_atom::value);
  }
}

template<class Result>
void answer_later(chain_actor* self, Result result) {
  auto& st = self->state;
  changed(self);
  auto rp = self->make_response_promise();
  answer deliver = [rp, result]() mutable { rp.deliver(result); };
  if (st.opts.latency.count() == 0) {
    st.ready.push_back(std::move(deliver));
    return;
  }
  st.waiting.emplace_back(self->clock().now() + st.opts.latency,
                          std::move(deliver));
  if (!st.timer_armed) {
    st.timer_armed = true;
    self->delayed_send(self, st.opts.latency, deliver_atom::value);
  }
}

/// Answers every call whose latency has passed, then waits for the next.
void deliver_due(chain_actor* self) {
  auto& st = self->state;
  st.timer_armed = false;
  if (st.dirty && !commit(self))
    return;
  auto now = self->clock().now();
  while (!st.waiting.empty() && st.waiting.front().first <= now) {
    auto deliver = std::move(st.waiting.front().second);
    st.waiting.pop_front();
    deliver();
  }
  if (!st.waiting.empty()) {
    st.timer_armed = true;
    self->delayed_send(self, st.waiting.front().first - now,
                       deliver_atom::value);
  }
}

caf::behavior chain_impl(chain_actor* self, chain_adapter* adapter_ptr,
                         chain_options opts) {
  self->state.adapter.reset(adapter_ptr);
  self->state.opts = opts;
  auto* adapter = adapter_ptr;
  return {
      [=](verify_atom, const intent& in) {
        answer_later(self, adapter->verify(in));
      },
      [=](execute_atom, const intent& in, const std::string& solver) {
        answer_later(self, adapter->execute(in, solver));
      },
      [=](release_atom, const std::string& id) {
        adapter->release(id);
        changed(self);
      },
      [=](status_atom, const std::string& id) {
        return adapter->intent_state(id);
      },
      [=](status_atom, const std::string& hash, tx_atom) {
        return adapter->tx_status(hash);
      },
      [=](status_atom, const std::string& id, execute_atom) {
        return adapter->execution_of(id);
      },
      [=](flush_atom) { commit(self); },
      [=](deliver_atom) { deliver_due(self); },
  };
}

} // namespace

caf::actor spawn_chain(caf::actor_system& sys,
                       std::unique_ptr<chain_adapter> adapter,
                       chain_options opts) {
  auto* raw = adapter.release();
  if (opts.detached)
    return sys.spawn<caf::detached>(chain_impl, raw, opts);
  return sys.spawn(chain_impl, raw, opts);
}

} // namespace intentd

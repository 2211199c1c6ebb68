#include "actors/chain.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/cache.hpp"
#include "actors/messages.hpp"

namespace intentd {

namespace {

/// An answer waiting for its block's commit, and the refusal it turns
/// into when that commit fails.
struct answer {
  std::function<void()> deliver;
  std::function<void()> refuse;
  uint64_t block = 0; // the block holding the call's effects
};

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
  /// The open block: counts successful commits.
  uint64_t block = 0;
  /// A commit failed and none succeeded since: retried on a timer.
  bool stalled = false;
  uint32_t failures = 0;
  static inline const char* name = "chain";
};

/// With the commits and deliveries it schedules for itself.
using chain_self_actor =
    chain_actor::extend<caf::reacts_to<flush_atom>, caf::reacts_to<tick_atom>,
                        caf::reacts_to<deliver_atom>>;
using chain_self = chain_self_actor::stateful_pointer<chain_state>;

constexpr std::chrono::milliseconds max_pause{5'000};

/// Refuses every answer of the block that could not be committed: its
/// effects stay in the adapter's kept block, but nothing is confirmed.
void refuse_open_block(chain_self self) {
  auto& st = self->state;
  auto ready = std::move(st.ready);
  st.ready.clear();
  for (auto& a : ready)
    a.refuse();
  std::deque<std::pair<caf::actor_clock::time_point, answer>> kept;
  for (auto& w : st.waiting) {
    if (w.second.block == st.block)
      w.second.refuse();
    else
      kept.push_back(std::move(w));
  }
  st.waiting = std::move(kept);
}

void stall(chain_self self) {
  auto& st = self->state;
  if (!st.stalled) {
    spdlog::error("the chain could not commit its block (its storage is "
                  "full or not writable); it answers storage_unavailable "
                  "and tries again until the block is stored");
    if (st.opts.on_commit)
      st.opts.on_commit(false);
  }
  st.stalled = true;
  refuse_open_block(self);
  auto pause = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds{100u << std::min(st.failures, 6u)}, max_pause);
  ++st.failures;
  self->delayed_send(self, pause, tick_atom::value);
}

/// Seals the effects of every call so far; answers wait for it. A failed
/// commit keeps the block in the adapter and is tried again later.
bool commit(chain_self self) {
  auto& st = self->state;
  st.commit_queued = false;
  if (st.dirty) {
    if (!st.adapter->commit()) {
      stall(self);
      return false;
    }
    st.dirty = false;
    ++st.block;
  }
  if (st.stalled) {
    spdlog::info("the chain stored its block after {} failed tries; it "
                 "takes calls again",
                 st.failures);
    st.stalled = false;
    st.failures = 0;
    if (st.opts.on_commit)
      st.opts.on_commit(true);
  }
  auto ready = std::move(st.ready);
  st.ready.clear();
  for (auto& a : ready)
    a.deliver();
  return true;
}

/// Commits once the calls already in the mailbox are applied, so that one
/// commit covers them all. While stalled the retry timer commits.
void changed(chain_self self) {
  auto& st = self->state;
  st.dirty = true;
  if (!st.commit_queued && !st.stalled) {
    st.commit_queued = true;
    self->send(self, flush_atom::value);
  }
}

template<class Result>
void answer_later(chain_self self, Result result, Result refused) {
  auto& st = self->state;
  changed(self);
  auto rp = self->make_response_promise();
  answer a{[rp, result]() mutable { rp.deliver(result); },
           [rp, refused]() mutable { rp.deliver(refused); }, st.block};
  if (st.opts.latency.count() == 0) {
    st.ready.push_back(std::move(a));
    return;
  }
  st.waiting.emplace_back(self->clock().now() + st.opts.latency, std::move(a));
  if (!st.timer_armed) {
    st.timer_armed = true;
    self->delayed_send(self, st.opts.latency, deliver_atom::value);
  }
}

/// Answers every call whose latency has passed, then waits for the next.
/// While stalled, the answers left waiting belong to stored blocks.
void deliver_due(chain_self self) {
  auto& st = self->state;
  st.timer_armed = false;
  if (st.dirty && !st.stalled)
    commit(self);
  auto now = self->clock().now();
  while (!st.waiting.empty() && st.waiting.front().first <= now) {
    auto a = std::move(st.waiting.front().second);
    st.waiting.pop_front();
    a.deliver();
  }
  if (!st.waiting.empty()) {
    st.timer_armed = true;
    self->delayed_send(self, st.waiting.front().first - now,
                       deliver_atom::value);
  }
}

verify_result refused_verify() {
  return {chain_fault::storage_unavailable};
}

execute_result refused_execute() {
  execute_result r;
  r.fault = chain_fault::storage_unavailable;
  return r;
}

chain_self_actor::behavior_type
chain_impl(chain_self self, chain_adapter* adapter_ptr, chain_options opts) {
  self->state.adapter.reset(adapter_ptr);
  self->state.opts = opts;
  auto* adapter = adapter_ptr;
  return {
      [=](verify_atom, const intent& in) -> caf::result<verify_result> {
        if (self->state.stalled)
          return refused_verify();
        answer_later(self, adapter->verify(in), refused_verify());
        return caf::delegated<verify_result>{};
      },
      [=](execute_atom, const intent& in,
          const std::string& solver) -> caf::result<execute_result> {
        if (self->state.stalled)
          return refused_execute();
        answer_later(self, adapter->execute(in, solver), refused_execute());
        return caf::delegated<execute_result>{};
      },
      [=](settle_atom, const intent& in,
          const settlement& s) -> caf::result<execute_result> {
        if (self->state.stalled)
          return refused_execute();
        answer_later(self, adapter->settle(in, s), refused_execute());
        return caf::delegated<execute_result>{};
      },
      [=](release_atom, const std::string& id) {
        adapter->release(id);
        changed(self);
      },
      [=](status_atom, const std::string& id) {
        return adapter->intent_state(id);
      },
      [=](get_atom, const std::string& id) -> record_outcome {
        auto state = adapter->intent_state(id);
        std::optional<chain_execution> landed;
        if (state == chain_intent_state::executed)
          landed = adapter->execution_of(id);
        auto rec =
            record_from_chain(id, state, adapter->intent_info(id), landed);
        if (!rec)
          return problem{errc::not_found, "No intent with id " + id + ".", {}};
        return std::move(*rec);
      },
      [=](status_atom, const std::string& hash, tx_atom) {
        return adapter->tx_status(hash);
      },
      [=](status_atom, const std::string& id, execute_atom) {
        // Not landed until its block is stored.
        if (self->state.stalled)
          return std::optional<chain_execution>{};
        return adapter->execution_of(id);
      },
      [=](flush_atom) {
        if (!self->state.stalled)
          commit(self);
      },
      [=](tick_atom) {
        if (self->state.stalled)
          commit(self);
      },
      [=](deliver_atom) { deliver_due(self); },
  };
}

} // namespace

chain_actor spawn_chain(caf::actor_system& sys,
                        std::unique_ptr<chain_adapter> adapter,
                        chain_options opts) {
  auto* raw = adapter.release();
  if (opts.detached)
    return sys.spawn<caf::detached>(chain_impl, raw, opts);
  return sys.spawn(chain_impl, raw, opts);
}

} // namespace intentd

#pragma once

// A request by id that its owner does not know (or, for a read, knows from
// the chain's word alone): asked of the other nodes, which may still hold
// the intent from before a node was added: every other node, or the id's
// previous owner alone (cluster.previous_nodes).

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/engine/engine.hpp"

namespace intentd {

/// True when `p` says a node could not be asked (down, too busy, no answer
/// in time) rather than what it holds.
inline bool could_not_ask(const problem& p) {
  return p.code == errc::node_unavailable || p.code == errc::overloaded ||
         p.code == errc::timeout;
}

/// True for the chain's word about an id (cache.chain_fallback): the
/// record a node reads from the chain when it holds none (seq 0; a stored
/// record's seq starts at 1), without the stored request and history.
inline bool chain_word(const intent_record& rec) {
  return rec.seq == 0;
}

/// Tells an answer that stands for no stored intent although it is not a
/// problem (the chain's word about the id); unset: every answer is one.
template<class T>
using no_intent_fn = std::function<bool(const T&)>;

/// True when answer `r` says that its node holds no intent for the id:
/// not_found, or an answer that `no_intent` tells is none.
template<class T>
bool holds_none(const outcome<T>& r, const no_intent_fn<T>& no_intent) {
  return r ? no_intent && no_intent(*r) : r.error().code == errc::not_found;
}

/// Asks each of `nodes` through `ask` at once for an id, and answers the
/// first answer that is neither holds_none (with `no_intent`) nor
/// could_not_ask: the node that holds the intent, whether it answers the
/// record or a problem such as a conflict. When none holds it, a node that
/// could not be asked makes it that node's problem (it may hold the
/// intent), and otherwise `otherwise` stands (also when `nodes` is empty).
/// `done` is called exactly once, at the latest when every node asked has
/// answered.
template<class T>
void ask_holders(const std::vector<std::size_t>& nodes, outcome<T> otherwise,
                 std::function<void(std::size_t node, reply<T>)> ask,
                 reply<T> done, no_intent_fn<T> no_intent = nullptr) {
  if (nodes.empty())
    return done(std::move(otherwise));
  struct pending {
    explicit pending(outcome<T> o) : otherwise(std::move(o)) {}
    std::mutex mtx;
    std::size_t left = 0;
    bool answered = false;
    std::optional<problem> unasked;
    outcome<T> otherwise;
    reply<T> done;
    no_intent_fn<T> no_intent;
  };
  auto st = std::make_shared<pending>(std::move(otherwise));
  st->left = nodes.size();
  st->done = std::move(done);
  st->no_intent = std::move(no_intent);
  for (auto node : nodes) {
    ask(node, [st](outcome<T> r) {
      std::unique_lock<std::mutex> guard{st->mtx};
      --st->left;
      if (st->answered)
        return;
      const bool none = holds_none(r, st->no_intent);
      if (!none && (r || !could_not_ask(r.error()))) {
        st->answered = true;
        guard.unlock();
        return st->done(std::move(r));
      }
      if (!none && !st->unasked)
        st->unasked = r.error();
      if (st->left > 0)
        return;
      st->answered = true;
      auto out = st->unasked ? outcome<T>{std::move(*st->unasked)}
                             : std::move(st->otherwise);
      guard.unlock();
      st->done(std::move(out));
    });
  }
}

/// Asks `owner` through `ask` and answers what it answers, unless it holds
/// no intent for the id (holds_none with `no_intent`: not_found, or the
/// chain's word about it): then `others` are asked at once (ask_holders:
/// an intent stored before a node was added stays on its old owner), and
/// without an answer from them the owner's answer stands; one of them that
/// cannot be asked makes it its problem. `done` is called exactly once, at
/// the latest when every node asked has answered (each bounded by the
/// forward timeout).
template<class T>
void ask_owner_first(std::size_t owner, std::vector<std::size_t> others,
                     std::function<void(std::size_t node, reply<T>)> ask,
                     reply<T> done, no_intent_fn<T> no_intent = nullptr) {
  reply<T> after_owner = [others = std::move(others), ask, done,
                          no_intent](outcome<T> r) {
    if (!holds_none(r, no_intent))
      return done(std::move(r));
    ask_holders<T>(others, std::move(r), ask, done, no_intent);
  };
  ask(owner, std::move(after_owner));
}

/// ask_owner_first with every other of `nodes` nodes asked after the owner.
template<class T>
void ask_owner_first(std::size_t owner, std::size_t nodes,
                     std::function<void(std::size_t node, reply<T>)> ask,
                     reply<T> done, no_intent_fn<T> no_intent = nullptr) {
  std::vector<std::size_t> others;
  for (std::size_t node = 0; node < nodes; ++node)
    if (node != owner)
      others.push_back(node);
  ask_owner_first<T>(owner, std::move(others), std::move(ask), std::move(done),
                     std::move(no_intent));
}

} // namespace intentd

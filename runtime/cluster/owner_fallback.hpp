#pragma once

// A request by id that its owner does not know: asked of the other nodes,
// which may still hold the intent from before a node was added: every
// other node, or the id's previous owner alone (cluster.previous_nodes).

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

/// Asks each of `nodes` through `ask` at once for an id, and answers the
/// first answer that is neither not_found nor could_not_ask (the node that
/// holds the intent, whether it answers the record or a problem such as a
/// conflict). When none holds it, a node that could not be asked makes it
/// that node's problem (it may hold the intent), and otherwise `not_found`
/// stands (also when `nodes` is empty). `done` is called exactly once, at
/// the latest when every node asked has answered.
template<class T>
void ask_holders(const std::vector<std::size_t>& nodes, problem not_found,
                 std::function<void(std::size_t node, reply<T>)> ask,
                 reply<T> done) {
  if (nodes.empty())
    return done(std::move(not_found));
  struct pending {
    std::mutex mtx;
    std::size_t left = 0;
    bool answered = false;
    std::optional<problem> unasked;
    problem not_found;
    reply<T> done;
  };
  auto st = std::make_shared<pending>();
  st->left = nodes.size();
  st->not_found = std::move(not_found);
  st->done = std::move(done);
  for (auto node : nodes) {
    ask(node, [st](outcome<T> r) {
      std::unique_lock<std::mutex> guard{st->mtx};
      --st->left;
      if (st->answered)
        return;
      const bool holds =
          r || (r.error().code != errc::not_found && !could_not_ask(r.error()));
      if (holds) {
        st->answered = true;
        guard.unlock();
        return st->done(std::move(r));
      }
      if (r.error().code != errc::not_found && !st->unasked)
        st->unasked = r.error();
      if (st->left > 0)
        return;
      st->answered = true;
      auto out = st->unasked ? outcome<T>{std::move(*st->unasked)}
                             : outcome<T>{std::move(st->not_found)};
      guard.unlock();
      st->done(std::move(out));
    });
  }
}

/// Asks `owner` through `ask` and answers what it answers, unless that is
/// not_found: then `others` are asked at once (ask_holders: an intent
/// stored before a node was added stays on its old owner), and without an
/// answer from them the owner's not_found stands. `done` is called exactly
/// once, at the latest when every node asked has answered (each bounded by
/// the forward timeout).
template<class T>
void ask_owner_first(std::size_t owner, std::vector<std::size_t> others,
                     std::function<void(std::size_t node, reply<T>)> ask,
                     reply<T> done) {
  reply<T> after_owner = [others = std::move(others), ask, done](outcome<T> r) {
    if (r || r.error().code != errc::not_found)
      return done(std::move(r));
    ask_holders<T>(others, r.error(), ask, done);
  };
  ask(owner, std::move(after_owner));
}

/// ask_owner_first with every other of `nodes` nodes asked after the owner.
template<class T>
void ask_owner_first(std::size_t owner, std::size_t nodes,
                     std::function<void(std::size_t node, reply<T>)> ask,
                     reply<T> done) {
  std::vector<std::size_t> others;
  for (std::size_t node = 0; node < nodes; ++node)
    if (node != owner)
      others.push_back(node);
  ask_owner_first<T>(owner, std::move(others), std::move(ask), std::move(done));
}

} // namespace intentd

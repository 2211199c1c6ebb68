#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "runtime/model/chain_call.hpp"

namespace intentd {

/// Hands one chain call to the node that hosts the chain and its answer,
/// or the problem why there is none (node_unavailable: that node is down,
/// or went down before it answered), to the callback: at most once, on
/// any thread, maybe before it returns. It must not block.
using chain_link =
    std::function<void(chain_call, std::function<void(chain_outcome)>)>;

/// Where a chain proxy sends its calls. The cluster binds it once its own
/// actor system is up (the engine starts first) and clears it when it
/// stops; calls made while none is bound are answered at once as if the
/// chain's node were down. Thread-safe.
class chain_link_slot {
public:
  void bind(chain_link link) {
    std::lock_guard<std::mutex> guard{mtx_};
    link_ = std::move(link);
  }
  /// The bound link; an empty function while none is.
  chain_link get() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return link_;
  }

private:
  mutable std::mutex mtx_;
  chain_link link_;
};

struct chain_proxy_options {
  std::shared_ptr<chain_link_slot> link;
  /// Longest wait for the chain's node to answer a call
  /// (cluster.forward_timeout_ms).
  std::chrono::milliseconds timeout{5'000};
  /// The node that hosts the chain, for messages.
  std::string node;
  /// Calls waiting for an answer at once; past it a call is answered
  /// network_error at once.
  std::size_t max_waiting = 10'000;
  /// Releases waiting to be sent again at once; past it a release that
  /// did not reach the chain is dropped with an error log.
  std::size_t max_releases = 10'000;
  /// What chain_adapter::settles() says of the chain on that node, which
  /// this node cannot ask: a cluster's chain is the simulated chain of the
  /// same config, and it settles.
  bool settles = true;
};

/// Spawns a chain actor (the chain_actor interface, see spawn_chain) for a
/// node that does not host the chain: every call goes through the link to
/// the node that does, and its answer is delivered from this actor. A call
/// the chain's node does not answer within the timeout is answered
/// chain_fault::timeout (verify, execute) or an error (the queries); a
/// call that finds the node down, or whose node goes down before it
/// answers, chain_fault::unreachable (a wait: the intent asks again with
/// no retry budget spent; an execution asks first whether it landed), or
/// an error, or for `get` a node_unavailable problem. A release that does
/// not reach the chain is sent again after growing pauses (0.1 s doubling
/// to 5 s) until it does.
chain_actor spawn_chain_proxy(caf::actor_system& sys, chain_proxy_options opts);

/// Runs `call` on `chain` from `self` and hands the answer to `done` (a
/// timeout problem when the chain did not answer within `timeout`): how
/// the node that hosts the chain serves the others' proxies.
void ask_chain(caf::event_based_actor* self, const chain_actor& chain,
               chain_call call, std::chrono::milliseconds timeout,
               std::function<void(chain_outcome)> done);

} // namespace intentd

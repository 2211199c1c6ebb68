#pragma once

#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "runtime/cluster/messages.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

struct endpoint_options {
  cluster_hello hello; // this node's, answered to a node that says hello
  /// This node's live intents, for heartbeat answers.
  std::function<uint64_t()> live_intents;
  /// Requests from other nodes waiting for the local engine at once; past
  /// it they are answered overloaded.
  uint32_t max_waiting = 10'000;
};

/// The actor other nodes talk to (published on cluster.listen). It answers
/// a hello (refusing another member list, naming the difference) and hands
/// the caller to `membership`; answers heartbeats; and serves forwarded
/// requests through `local`, the engine of this node, exactly as its own
/// API would. `local` must outlive the actor.
cluster_endpoint_actor spawn_endpoint(caf::actor_system& sys,
                                      engine_core& local,
                                      membership_actor membership,
                                      endpoint_options opts);

} // namespace intentd

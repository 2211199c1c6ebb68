#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/cluster/cluster_table.hpp"
#include "runtime/cluster/messages.hpp"

namespace intentd {

struct membership_options {
  cluster_hello hello; // what this node says of itself when it connects
  std::chrono::milliseconds heartbeat{500};
  std::chrono::milliseconds node_timeout{2'000};
  /// The first wait before connecting again after a failure; doubles up
  /// to max_backoff.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  /// When set, called on a thread of its own before each connection: a
  /// node it finds unreachable (within node_timeout) counts as a failed
  /// try, and the middleman is not asked to connect to it.
  std::function<bool(const std::string& host, uint16_t port,
                     std::chrono::milliseconds timeout)>
      probe;
  /// Called with a node's index in hello.nodes each time it misses a
  /// heartbeat: a ping that timed out, or a tick that finds it silent for
  /// longer than node_timeout. Runs in the actor; may be empty.
  std::function<void(std::size_t)> on_heartbeat_miss;
};

/// The membership actor. Every `heartbeat` it pings each node it holds an
/// endpoint of; a node that has not answered for `node_timeout` is marked
/// down in `table` (it may be hung or cut off: pings go on, and its first
/// answer marks it up again). A node whose link dropped (the monitor of its
/// endpoint fired) is down at once and connected to again, with backoff.
/// Connecting asks `connector` — the middleman actor, or a stand-in in
/// tests — for `(connect, host, port)`, which answers `(node_id,
/// strong_actor_ptr, std::set<std::string>)`, then says hello; a node whose
/// hello names another node or another member list is refused and logged
/// with the difference. Starts once `(publish, endpoint)` names this
/// node's endpoint, which its hellos carry.
membership_actor spawn_membership(caf::actor_system& sys,
                                  std::shared_ptr<cluster_table> table,
                                  caf::actor connector,
                                  membership_options opts);

} // namespace intentd

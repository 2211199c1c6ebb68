#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/cluster/cluster_table.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

/// Subscribers of a cluster node. A subscription to an intent this node
/// owns, and the local part of an account's, go to the local engine; one
/// to an intent another node owns goes to that node's endpoint, and an
/// account's to every other node too. Notices of other nodes arrive through
/// one relay actor per subscriber, in order per node. When a node goes down
/// (its link drops or it stops answering heartbeats), each of its
/// subscriptions ends with an error notice `node_unavailable` naming the
/// intent (or the account and the node); subscribing again after it is back
/// works as before.
///
/// An intent its owner does not know (its `unknown_intent` notice) may be
/// held by another node, stored there before a node was added: `locate`
/// finds that node among cluster_table::holders_besides_owner, and the
/// subscription goes there instead; the owner's notice is delivered only
/// when no node holds it, and a node that may hold it but cannot be asked
/// ends the subscription with `node_unavailable`.
class cluster_subscriptions {
public:
  /// Answers the node that holds intent `id`, which its owner does not
  /// know; not_found when none does, a problem when one that may hold it
  /// cannot be asked. Called on any thread; answers once, on any thread.
  using locate_fn = std::function<void(
      const std::string& id, std::function<void(outcome<std::size_t>)>)>;

  cluster_subscriptions(caf::actor_system& sys,
                        std::shared_ptr<cluster_table> table,
                        engine_core& local, locate_fn locate = {});

  std::unique_ptr<subscriber> attach(notice_handler on_notice);

  /// Ends the subscriptions on `node`, which went down.
  void node_down(std::size_t node);

  /// Stops every relay; later subscribers get nothing from other nodes.
  void stop();

  /// The live relays, shared with the subscriber handles, which may
  /// outlive the engine: once stopped, a handle leaves its relay alone.
  struct registry {
    std::mutex mtx;
    bool stopped = false;
    uint64_t next_id = 0;
    std::map<uint64_t, caf::actor> relays;
  };

private:
  caf::actor_system& sys_;
  std::shared_ptr<cluster_table> table_;
  engine_core& local_;
  locate_fn locate_;
  std::shared_ptr<registry> registry_ = std::make_shared<registry>();
};

} // namespace intentd

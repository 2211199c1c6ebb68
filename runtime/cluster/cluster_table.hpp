#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/cluster/messages.hpp"
#include "runtime/model/cluster_view.hpp"

namespace intentd {

/// The nodes of the cluster as this node sees them: written by the
/// membership actor, read by the HTTP threads that route requests. Every
/// call takes a short lock.
class cluster_table {
public:
  explicit cluster_table(const cfg::cluster& c);

  const std::string& self() const { return self_; }
  /// The node names in the configured order.
  const std::vector<std::string>& names() const { return names_; }
  std::size_t self_index() const { return self_index_; }

  /// The owner of `key` (an intent id, an account): rendezvous hashing
  /// over the node names.
  std::size_t owner_of(const std::string& key) const;

  /// The owner `key` had before the last node was added (rendezvous over
  /// cluster.previous_nodes), as an index into names(); none when
  /// previous_nodes is not set.
  std::optional<std::size_t> previous_owner_of(const std::string& key) const;

  /// The nodes that may hold an intent `key` whose owner does not: its
  /// previous owner when previous_nodes is set (none when that is its
  /// owner), else every node but its owner.
  std::vector<std::size_t> holders_besides_owner(const std::string& key) const;

  /// The endpoint of node `index` while it is up; none while it is down
  /// (or for this node itself).
  std::optional<cluster_endpoint_actor> endpoint(std::size_t index) const;
  node_state state(std::size_t index) const;

  /// The membership's updates.
  void mark_up(std::size_t index, cluster_endpoint_actor endpoint);
  void mark_down(std::size_t index);
  void set_live(std::size_t index, uint64_t live_intents);

  /// Called (outside the lock) each time a node goes down, with its index;
  /// set once, before the membership starts.
  void on_down(std::function<void(std::size_t)> f) { on_down_ = std::move(f); }

  /// Every node with its state; `own_live` for this node.
  cluster_view view(uint64_t own_live) const;
  /// Nodes other than this one that are up.
  std::size_t peers_up() const;

private:
  struct member {
    cfg::cluster_node node;
    node_state state = node_state::down;
    cluster_endpoint_actor endpoint;
    uint64_t live_intents = 0;
  };
  std::string self_;
  std::vector<std::string> names_;
  std::vector<std::string> previous_;
  /// Index into names_ of each of previous_.
  std::vector<std::size_t> previous_index_;
  std::size_t self_index_ = 0;
  mutable std::mutex mtx_;
  std::vector<member> members_;
  std::function<void(std::size_t)> on_down_;
};

} // namespace intentd

#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace intentd {

/// How one node sees another.
enum class node_state : uint8_t {
  self, // the node that answers
  up,   // answering heartbeats
  down, // silent for node_timeout_ms, unreachable, or refused at hello
};

const char* to_string(node_state s);

/// One node of GET /api/v1/cluster.
struct cluster_member {
  std::string name;
  std::string address; // its middleman
  std::string http;    // its HTTP API
  node_state state = node_state::down;
  /// Its live intents at its last heartbeat answer (this node's own count
  /// for itself); 0 for a node never heard from.
  uint64_t live_intents = 0;
};

/// GET /api/v1/cluster: the answering node and every node as it sees them,
/// in the configured order.
struct cluster_view {
  std::string node;
  std::vector<cluster_member> nodes;
};

} // namespace intentd

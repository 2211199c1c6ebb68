#include "runtime/cluster/messages.hpp"

#include <caf/actor_system_config.hpp>

#include "config/cluster.hpp"

namespace intentd {

std::string hello_difference(const cluster_hello& ours,
                             const cluster_hello& theirs) {
  auto diff = cfg::membership_difference(ours.nodes, theirs.nodes);
  if (!diff.empty())
    return diff;
  if (ours.chain_node != theirs.chain_node)
    return "the chain node is " + ours.chain_node + " here but " +
           theirs.chain_node + " there";
  return "heartbeat, timeout or previous_nodes settings differ";
}

std::string hello_refusal(const cluster_hello& ours,
                          const cluster_hello& theirs) {
  if (theirs.protocol != ours.protocol)
    return "it speaks cluster protocol " + std::to_string(theirs.protocol) +
           " and this node " + std::to_string(ours.protocol) +
           ": every node must run the same intentd version";
  if (theirs.digest != ours.digest)
    return "its cluster list differs from ours: " +
           hello_difference(ours, theirs);
  return {};
}

void add_cluster_message_types(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  cfg.add_message_types<caf::id_block::intentd_cluster>();
}

} // namespace intentd

#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace intentd::cfg {

/// What is wrong with a cluster section as a whole: the key to blame
/// ("node", "nodes", "listen", ...), the one blamed when the file leaves
/// `key` out, and a sentence. An empty message when nothing is.
struct cluster_problem {
  const char* key = "node";
  const char* otherwise = "node";
  std::string message;
};

/// Checks that span the cluster section's keys: `node` names one of `nodes`,
/// names, addresses and http addresses are unique, `listen` is this node's
/// address, `chain_node` and each of `previous_nodes` are among the names,
/// `previous_nodes` leaves out at least one of them, and node_timeout_ms is
/// at least twice heartbeat_interval_ms. A section without `node` must list
/// nothing. The checks of single values (a name's characters, a host:port) are
/// the fields' own.
cluster_problem check_cluster(const cluster& c);

/// Sets an empty `listen` to this node's address from `nodes`; leaves it
/// when `node` names no node.
void default_cluster_listen(cluster& c);

/// Accepts 1 to 32 characters of a-z, 0-9, '_' and '-'.
std::string check_node_name(const std::string& value);

/// Accepts a list of distinct node names (check_node_name).
std::string check_node_names(const std::vector<std::string>& value);

/// Accepts "" or a host:port (check_listen).
std::string check_optional_listen(const std::string& value);

/// The node that hosts the simulated chain: cluster.chain_node, or the
/// first of `nodes` when it is empty.
std::string resolved_chain_node(const cluster& c);

/// A stable digest of the membership (lowercase hex, 16 digits): the nodes
/// sorted by name as "name|address|http" lines, then heartbeat_interval_ms,
/// node_timeout_ms, the resolved chain node (resolved_chain_node) and,
/// when there are any, the previous nodes sorted. Nodes
/// compare it when they connect; the order of `nodes` in the file changes
/// it only through the chain node it resolves to.
std::string membership_digest(const cluster& c);

/// One line naming the first differences between two node lists (a node
/// missing on their side, an extra one, a different address or http), for
/// the log line of a refused peer; empty when both list the same nodes in
/// any order.
std::string membership_difference(const std::vector<cluster_node>& ours,
                                  const std::vector<cluster_node>& theirs);

} // namespace intentd::cfg

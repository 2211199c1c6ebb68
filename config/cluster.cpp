#include "config/cluster.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

#include "config/checks.hpp"
#include "config/host_port.hpp"
#include "config/scalar.hpp"

namespace intentd::cfg {

namespace {

/// The same endpoint however it is spelled ("[::1]:80" and "::1:80" are not
/// both valid, but "127.0.0.1:080" and "127.0.0.1:80" are one endpoint).
std::string endpoint(const std::string& text) {
  const auto parsed = parse_host_port(text);
  if (!parsed.ok())
    return text;
  return parsed.value.host + "\n" + std::to_string(parsed.value.port);
}

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

std::string item(std::size_t i) {
  return "nodes[" + std::to_string(i) + "]";
}

/// The first two entries of `nodes` whose `part` is the same endpoint, as
/// a sentence, or "".
std::string duplicate(const std::vector<cluster_node>& nodes, const char* what,
                      std::string cluster_node::*part, bool as_endpoint) {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const std::string& a = nodes[j].*part;
      const std::string& b = nodes[i].*part;
      if (as_endpoint ? endpoint(a) == endpoint(b) : a == b)
        return item(i) + " has the same " + what + " as " + item(j) + " (" +
               quoted(b) + "); each node needs its own";
    }
  return {};
}

const cluster_node* find_node(const cluster& c, const std::string& name) {
  for (const auto& n : c.nodes)
    if (n.name == name)
      return &n;
  return nullptr;
}

std::vector<std::string> names_of(const cluster& c) {
  std::vector<std::string> names;
  for (const auto& n : c.nodes)
    names.push_back(n.name);
  return names;
}

uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::vector<cluster_node> sorted(std::vector<cluster_node> nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const cluster_node& a, const cluster_node& b) {
              return a.name < b.name;
            });
  return nodes;
}

} // namespace

std::string check_node_name(const std::string& value) {
  const bool ok = !value.empty() && value.size() <= 32 &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '_' || c == '-';
                  });
  if (ok)
    return {};
  return "expected 1 to 32 characters of a-z, 0-9, '_' and '-', got " +
         quoted(value);
}

std::string check_node_names(const std::vector<std::string>& value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (auto problem = check_node_name(value[i]); !problem.empty())
      return "a node's name " + problem;
    for (std::size_t j = 0; j < i; ++j)
      if (value[j] == value[i])
        return "names " + quoted(value[i]) + " twice";
  }
  return {};
}

std::string check_optional_listen(const std::string& value) {
  return value.empty() ? std::string{} : check_listen(value);
}

cluster_problem check_cluster(const cluster& c) {
  if (c.node.empty()) {
    const char* given = !c.nodes.empty()        ? "nodes"
                        : !c.listen.empty()     ? "listen"
                        : !c.chain_node.empty() ? "chain_node"
                                                : "previous_nodes";
    if (!c.nodes.empty() || !c.listen.empty() || !c.chain_node.empty() ||
        !c.previous_nodes.empty())
      return {"node", given,
              "cluster.node must name this node, one of the names "
              "in cluster.nodes; without it intentd runs alone and "
              "the cluster keys must be left out"};
  } else {
    if (c.nodes.empty())
      return {"nodes", "node",
              "must list the cluster's nodes, this node (" + quoted(c.node) +
                  ") among them"};
    for (const auto& n : c.nodes)
      if (auto problem = check_node_name(n.name); !problem.empty())
        return {"nodes", "nodes", "a node's name " + problem};
    for (const auto& problem :
         {duplicate(c.nodes, "name", &cluster_node::name, false),
          duplicate(c.nodes, "address", &cluster_node::address, true),
          duplicate(c.nodes, "http", &cluster_node::http, true)})
      if (!problem.empty())
        return {"nodes", "nodes", problem};
    const auto names = names_of(c);
    if (auto problem = one_of{names, "node"}(c.node); !problem.empty())
      return {"node", "node", problem + " (cluster.nodes)"};
    const cluster_node& self = *find_node(c, c.node);
    if (!c.listen.empty() && endpoint(c.listen) != endpoint(self.address))
      return {"listen", "listen",
              quoted(c.listen) + " differs from this node's address " +
                  quoted(self.address) + " in cluster.nodes (" + self.name +
                  "); other nodes connect there: leave listen "
                  "out or make the two the same"};
    if (!c.chain_node.empty())
      if (auto problem = one_of{names, "node"}(c.chain_node); !problem.empty())
        return {"chain_node", "chain_node", problem + " (cluster.nodes)"};
    for (const auto& name : c.previous_nodes)
      if (auto problem = one_of{names, "node"}(name); !problem.empty())
        return {"previous_nodes", "previous_nodes",
                problem +
                    " (cluster.nodes); a node that left the cluster cannot be "
                    "asked for its intents"};
    if (!c.previous_nodes.empty() && c.previous_nodes.size() == c.nodes.size())
      return {"previous_nodes", "previous_nodes",
              "lists every node of cluster.nodes, so no node was added; "
              "leave it out"};
  }
  if (uint64_t{c.node_timeout_ms} < 2 * uint64_t{c.heartbeat_interval_ms})
    return {"node_timeout_ms", "heartbeat_interval_ms",
            "node_timeout_ms (" + to_text(c.node_timeout_ms) +
                ") must be at least twice heartbeat_interval_ms (" +
                to_text(c.heartbeat_interval_ms) + ")"};
  return {};
}

void default_cluster_listen(cluster& c) {
  if (!c.listen.empty())
    return;
  if (const auto* self = find_node(c, c.node))
    c.listen = self->address;
}

std::string resolved_chain_node(const cluster& c) {
  if (!c.chain_node.empty() || c.nodes.empty())
    return c.chain_node;
  return c.nodes.front().name;
}

std::string membership_digest(const cluster& c) {
  std::string text;
  for (const auto& n : sorted(c.nodes))
    text += n.name + "|" + n.address + "|" + n.http + "\n";
  text += "heartbeat_interval_ms=" + std::to_string(c.heartbeat_interval_ms) +
          "\nnode_timeout_ms=" + std::to_string(c.node_timeout_ms) + "\n";
  // Nodes that put the one chain on different nodes would run two ledgers.
  text += "chain_node=" + resolved_chain_node(c) + "\n";
  // The owner of a moved id asks its previous owner before it stores it:
  // a node that does not would take a resubmission as new. Left out when
  // empty, so that a cluster that never had a node added keeps its digest.
  if (!c.previous_nodes.empty()) {
    auto previous = c.previous_nodes;
    std::sort(previous.begin(), previous.end());
    text += "previous_nodes=";
    for (const auto& name : previous)
      text += name + ",";
    text += "\n";
  }
  static constexpr char digits[] = "0123456789abcdef";
  const uint64_t hash = fnv1a(text);
  std::string hex(16, '0');
  for (int i = 0; i < 16; ++i)
    hex[static_cast<std::size_t>(i)] = digits[(hash >> (60 - 4 * i)) & 0xf];
  return hex;
}

std::string membership_difference(const std::vector<cluster_node>& ours,
                                  const std::vector<cluster_node>& theirs) {
  std::map<std::string, const cluster_node*> mine;
  std::map<std::string, const cluster_node*> other;
  for (const auto& n : ours)
    mine.emplace(n.name, &n);
  for (const auto& n : theirs)
    other.emplace(n.name, &n);
  std::vector<std::string> found;
  for (const auto& [name, n] : mine) {
    auto it = other.find(name);
    if (it == other.end()) {
      found.push_back(name + " is missing from their list");
      continue;
    }
    if (n->address != it->second->address)
      found.push_back(name + "'s address is " + n->address + " here but " +
                      it->second->address + " there");
    if (n->http != it->second->http)
      found.push_back(name + "'s http is " + n->http + " here but " +
                      it->second->http + " there");
  }
  for (const auto& [name, n] : other)
    if (mine.count(name) == 0)
      found.push_back("they list " + name + " (" + n->address +
                      "), which ours does not");
  if (found.empty())
    return {};
  constexpr std::size_t shown = 3;
  std::string line = "node lists differ: ";
  for (std::size_t i = 0; i < found.size() && i < shown; ++i)
    line += (i == 0 ? "" : "; ") + found[i];
  if (found.size() > shown)
    line += "; and " + std::to_string(found.size() - shown) + " more";
  return line;
}

} // namespace intentd::cfg

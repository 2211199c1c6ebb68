#include "runtime/cluster/cluster_table.hpp"

#include <algorithm>

#include "runtime/model/rendezvous.hpp"

namespace intentd {

cluster_table::cluster_table(const cfg::cluster& c) : self_(c.node) {
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    names_.push_back(c.nodes[i].name);
    member m;
    m.node = c.nodes[i];
    if (c.nodes[i].name == c.node) {
      self_index_ = i;
      m.state = node_state::self;
    }
    members_.push_back(std::move(m));
  }
  for (const auto& name : c.previous_nodes) {
    auto i = std::find(names_.begin(), names_.end(), name);
    if (i == names_.end())
      continue; // refused by the config's checks
    previous_.push_back(name);
    previous_index_.push_back(static_cast<std::size_t>(i - names_.begin()));
  }
}

std::size_t cluster_table::owner_of(const std::string& key) const {
  return rendezvous_owner(key, names_);
}

std::optional<std::size_t>
cluster_table::previous_owner_of(const std::string& key) const {
  if (previous_.empty())
    return std::nullopt;
  return previous_index_[rendezvous_owner(key, previous_)];
}

std::vector<std::size_t>
cluster_table::holders_besides_owner(const std::string& key) const {
  const auto owner = owner_of(key);
  std::vector<std::size_t> out;
  if (auto previous = previous_owner_of(key)) {
    if (*previous != owner)
      out.push_back(*previous);
    return out;
  }
  for (std::size_t node = 0; node < names_.size(); ++node)
    if (node != owner)
      out.push_back(node);
  return out;
}

std::optional<cluster_endpoint_actor>
cluster_table::endpoint(std::size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  const auto& m = members_.at(index);
  if (m.state != node_state::up || !m.endpoint)
    return std::nullopt;
  return m.endpoint;
}

node_state cluster_table::state(std::size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return members_.at(index).state;
}

void cluster_table::mark_up(std::size_t index,
                            cluster_endpoint_actor endpoint) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& m = members_.at(index);
  if (m.state == node_state::self)
    return;
  m.state = node_state::up;
  m.endpoint = std::move(endpoint);
}

void cluster_table::mark_down(std::size_t index) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& m = members_.at(index);
    if (m.state != node_state::up)
      return;
    m.state = node_state::down;
    m.endpoint = nullptr;
  }
  if (on_down_)
    on_down_(index);
}

void cluster_table::set_live(std::size_t index, uint64_t live_intents) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.at(index).live_intents = live_intents;
}

cluster_view cluster_table::view(uint64_t own_live) const {
  cluster_view v;
  v.node = self_;
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& m : members_) {
    cluster_member out;
    out.name = m.node.name;
    out.address = m.node.address;
    out.http = m.node.http;
    out.state = m.state;
    out.live_intents = m.state == node_state::self ? own_live : m.live_intents;
    v.nodes.push_back(std::move(out));
  }
  return v;
}

std::size_t cluster_table::peers_up() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::size_t n = 0;
  for (const auto& m : members_)
    n += m.state == node_state::up ? 1 : 0;
  return n;
}

} // namespace intentd

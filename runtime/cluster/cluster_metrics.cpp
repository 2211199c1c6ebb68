#include "runtime/cluster/cluster_metrics.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace intentd {

namespace {

/// 0.25 ms .. 10 s: one hop over loopback or a LAN, up to the longest
/// forward_timeout_ms one would set.
std::vector<double> forward_buckets() {
  return {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

} // namespace

const char* to_string(forward_result r) {
  switch (r) {
  case forward_result::ok:
    return "ok";
  case forward_result::unavailable:
    return "unavailable";
  case forward_result::timeout:
    return "timeout";
  case forward_result::overloaded:
    return "overloaded";
  }
  return "unavailable";
}

forward_result forward_result_of(const caf::error& err) {
  return err == caf::sec::request_timeout ? forward_result::timeout
                                          : forward_result::unavailable;
}

cluster_metrics::cluster_metrics(std::shared_ptr<engine_metrics> m,
                                 std::shared_ptr<const cluster_table> table,
                                 std::function<std::size_t()> near_entries)
    : keep_(std::move(m)) {
  if (!keep_ || !table)
    return;
  auto& r = keep_->registry();
  auto nodes_up =
      r.add_gauge("cluster_nodes_up",
                  "Nodes of the cluster this node sees up, itself included.")
          .get();
  auto node_up = r.add_gauge(
      "cluster_node_up",
      "1 while this node sees the node up (or is it), 0 while it is down.",
      {"node"});
  auto forwarded =
      r.add_counter("cluster_forwarded_total",
                    "Requests forwarded to the node that owns them, by "
                    "node and outcome: ok (the owner answered, whatever it "
                    "answered), unavailable, timeout, overloaded.",
                    {"node", "outcome"});
  auto latency = r.add_histogram(
      "cluster_forward_duration_seconds",
      "Seconds from forwarding a request to the owner's answer, by node "
      "(answered forwards only).",
      {"node"}, forward_buckets());
  auto misses = r.add_counter(
      "cluster_heartbeat_misses_total",
      "Heartbeats a node missed: a ping that timed out, or a heartbeat tick "
      "that found it silent past node_timeout_ms.",
      {"node"});
  auto rate_here = r.add_counter(
      "cluster_rate_local_counts_total",
      "Rate-limit counts of keys (a client address, an account) whose home "
      "is the node, made on this node instead because the node was down, "
      "overloaded, or did not answer in time.",
      {"node"});
  auto near_reads = r.add_counter(
      "cluster_near_cache_reads_total",
      "Reads by id of records other nodes own, by whether the near cache "
      "answered them (hit) or they went to the owner (miss).",
      {"result"});
  near_hits_ = near_reads.with({"hit"});
  near_misses_ = near_reads.with({"miss"});
  auto near_size =
      r.add_gauge("cluster_near_cache_entries",
                  "Renderings of other nodes' ended records this node keeps "
                  "to answer reads by id without a hop.")
          .get();

  const auto& names = table->names();
  std::vector<metrics::gauge> up_handles;
  nodes_.resize(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    up_handles.push_back(node_up.with({names[i]}));
    if (i == table->self_index())
      continue;
    auto& n = nodes_[i];
    for (std::size_t o = 0; o < forward_result_count; ++o)
      n.forwarded[o] =
          forwarded.with({names[i], to_string(static_cast<forward_result>(o))});
    n.latency = latency.with({names[i]});
    n.misses = misses.with({names[i]});
    n.rate_here = rate_here.with({names[i]});
  }
  std::weak_ptr<const cluster_table> weak = table;
  r.on_collect([weak, nodes_up, up_handles, near_size,
                near_entries = std::move(near_entries)]() mutable {
    near_size.set(near_entries ? static_cast<double>(near_entries()) : 0);
    auto t = weak.lock();
    if (!t)
      return;
    double up = 0;
    for (std::size_t i = 0; i < up_handles.size(); ++i) {
      bool is_up = t->state(i) != node_state::down;
      up_handles[i].set(is_up ? 1 : 0);
      up += is_up ? 1 : 0;
    }
    nodes_up.set(up);
  });
}

void cluster_metrics::forwarded(std::size_t node, forward_result how,
                                double seconds) {
  if (node >= nodes_.size())
    return;
  auto& n = nodes_[node];
  n.forwarded[static_cast<std::size_t>(how)].inc();
  if (how == forward_result::ok)
    n.latency.observe(seconds);
}

void cluster_metrics::heartbeat_miss(std::size_t node) {
  if (node < nodes_.size())
    nodes_[node].misses.inc();
}

void cluster_metrics::rate_counted_here(std::size_t node) {
  if (node < nodes_.size())
    nodes_[node].rate_here.inc();
}

void cluster_metrics::near_cache_read(bool hit) {
  (hit ? near_hits_ : near_misses_).inc();
}

} // namespace intentd

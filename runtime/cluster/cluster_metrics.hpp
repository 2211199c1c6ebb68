#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "runtime/cluster/cluster_table.hpp"
#include "runtime/metrics/engine_metrics.hpp"

namespace intentd {

/// How a request forwarded to another node ended: `ok` when the owner
/// answered (whatever it answered), `unavailable` when its node was down
/// or went down while the request waited, `timeout` when it did not answer
/// within cluster.forward_timeout_ms, `overloaded` when this node had too
/// many forwards in flight (or was stopping).
enum class forward_result : uint8_t { ok, unavailable, timeout, overloaded };

constexpr std::size_t forward_result_count = 4;

const char* to_string(forward_result r);

/// The result of a forward that CAF answered with `err`.
forward_result forward_result_of(const caf::error& err);

/// The cluster's families in the registry of this node's engine metrics,
/// all exposed at zero from the start:
///   cluster_nodes_up                          gauge
///   cluster_node_up{node}                     gauge, 1 or 0
///   cluster_forwarded_total{node,outcome}     counter
///   cluster_forward_duration_seconds{node}    histogram
///   cluster_heartbeat_misses_total{node}      counter
///   cluster_rate_local_counts_total{node}     counter
///   cluster_near_cache_reads_total{result}    counter, hit or miss
///   cluster_near_cache_entries                gauge
/// The node gauges are read from `table` at each scrape, the entries from
/// `near_entries` (0 without it); the rest are fed
/// by the calls below (thread-safe, atomics only). A default-constructed
/// or metrics-less instance ignores every call.
class cluster_metrics {
public:
  cluster_metrics() = default;
  cluster_metrics(std::shared_ptr<engine_metrics> m,
                  std::shared_ptr<const cluster_table> table,
                  std::function<std::size_t()> near_entries = {});

  /// A forward to node `node` (an index in the configured list) ended;
  /// `seconds` is observed when the owner answered.
  void forwarded(std::size_t node, forward_result how, double seconds);
  /// A heartbeat to node `node` missed: its ping timed out, or a tick found
  /// it silent past node_timeout_ms.
  void heartbeat_miss(std::size_t node);
  /// Rate limits whose home is node `node` were counted on this node
  /// instead: `node` was down, overloaded, or did not answer in time.
  void rate_counted_here(std::size_t node);
  /// A read by id of a record another node owns looked in the near cache.
  void near_cache_read(bool hit);

private:
  struct per_node {
    std::array<metrics::counter, forward_result_count> forwarded;
    metrics::histogram latency;
    metrics::counter misses;
    metrics::counter rate_here;
  };
  std::shared_ptr<engine_metrics> keep_; // the registry the handles live in
  std::vector<per_node> nodes_;
  metrics::counter near_hits_;
  metrics::counter near_misses_;
};

} // namespace intentd

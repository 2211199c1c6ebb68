// The cluster's families in an engine's registry: exposed at zero from the
// start, the node gauges read from the cluster table at each scrape, and
// forwards and heartbeat misses counted by node.

#include <doctest/doctest.h>

#include <map>
#include <string>

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "runtime/cluster/cluster_metrics.hpp"

using namespace intentd;

namespace {

cfg::cluster three_nodes() {
  cfg::cluster cc;
  cc.node = "n1";
  cc.nodes = {{"n1", "127.0.0.1:7101", "127.0.0.1:8081"},
              {"n2", "127.0.0.1:7102", "127.0.0.1:8082"},
              {"n3", "127.0.0.1:7103", "127.0.0.1:8083"}};
  cc.listen = "127.0.0.1:7101";
  return cc;
}

/// The samples of an exposition, by series ("name{labels}").
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    auto line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

} // namespace

TEST_CASE("the cluster families are exposed at zero from the start") {
  auto m = std::make_shared<engine_metrics>();
  auto table = std::make_shared<cluster_table>(three_nodes());
  cluster_metrics cm{m, table};
  auto text = m->expose();
  for (const char* family :
       {"# TYPE cluster_nodes_up gauge", "# TYPE cluster_node_up gauge",
        "# TYPE cluster_forwarded_total counter",
        "# TYPE cluster_forward_duration_seconds histogram",
        "# TYPE cluster_heartbeat_misses_total counter"})
    CHECK_MESSAGE(text.find(family) != std::string::npos, family);
  auto s = samples(text);
  // Only this node is up before the membership has joined anyone.
  CHECK(s["cluster_nodes_up"] == 1);
  CHECK(s["cluster_node_up{node=\"n1\"}"] == 1);
  CHECK(s["cluster_node_up{node=\"n2\"}"] == 0);
  CHECK(s["cluster_node_up{node=\"n3\"}"] == 0);
  for (const char* node : {"n2", "n3"}) {
    for (const char* outcome : {"ok", "unavailable", "timeout", "overloaded"})
      CHECK(s.count(std::string{"cluster_forwarded_total{node=\""} + node +
                    "\",outcome=\"" + outcome + "\"}") == 1);
    CHECK(s.count(std::string{"cluster_heartbeat_misses_total{node=\""} + node +
                  "\"}") == 1);
    CHECK(
        s.count(std::string{"cluster_forward_duration_seconds_count{node=\""} +
                node + "\"}") == 1);
  }
  // This node never forwards to itself nor pings itself.
  CHECK(text.find("cluster_forwarded_total{node=\"n1\"") == std::string::npos);
  CHECK(text.find("cluster_heartbeat_misses_total{node=\"n1\"") ==
        std::string::npos);
}

TEST_CASE("the node gauges follow the table at each scrape") {
  auto m = std::make_shared<engine_metrics>();
  auto table = std::make_shared<cluster_table>(three_nodes());
  cluster_metrics cm{m, table};
  table->mark_up(1, cluster_endpoint_actor{});
  table->mark_up(2, cluster_endpoint_actor{});
  auto s = samples(m->expose());
  CHECK(s["cluster_nodes_up"] == 3);
  CHECK(s["cluster_node_up{node=\"n2\"}"] == 1);
  table->mark_down(1);
  s = samples(m->expose());
  CHECK(s["cluster_nodes_up"] == 2);
  CHECK(s["cluster_node_up{node=\"n2\"}"] == 0);
  CHECK(s["cluster_node_up{node=\"n3\"}"] == 1);
  CHECK(s["cluster_node_up{node=\"n1\"}"] == 1);
}

TEST_CASE("forwards are counted by node and outcome; answered ones are "
          "timed") {
  auto m = std::make_shared<engine_metrics>();
  auto table = std::make_shared<cluster_table>(three_nodes());
  cluster_metrics cm{m, table};
  cm.forwarded(1, forward_result::ok, 0.002);
  cm.forwarded(1, forward_result::ok, 0.004);
  cm.forwarded(1, forward_result::unavailable, 0);
  cm.forwarded(2, forward_result::timeout, 5.0);
  cm.forwarded(2, forward_result::overloaded, 0);
  cm.heartbeat_miss(2);
  cm.heartbeat_miss(2);
  cm.forwarded(7, forward_result::ok, 1); // no such node: ignored
  cm.heartbeat_miss(7);
  auto s = samples(m->expose());
  CHECK(s["cluster_forwarded_total{node=\"n2\",outcome=\"ok\"}"] == 2);
  CHECK(s["cluster_forwarded_total{node=\"n2\",outcome=\"unavailable\"}"] == 1);
  CHECK(s["cluster_forwarded_total{node=\"n3\",outcome=\"timeout\"}"] == 1);
  CHECK(s["cluster_forwarded_total{node=\"n3\",outcome=\"overloaded\"}"] == 1);
  CHECK(s["cluster_forwarded_total{node=\"n3\",outcome=\"ok\"}"] == 0);
  // Only answered forwards are observed.
  CHECK(s["cluster_forward_duration_seconds_count{node=\"n2\"}"] == 2);
  CHECK(s["cluster_forward_duration_seconds_sum{node=\"n2\"}"] ==
        doctest::Approx(0.006));
  CHECK(
      s["cluster_forward_duration_seconds_bucket{node=\"n2\",le=\"0.0025\"}"] ==
      1);
  CHECK(s["cluster_forward_duration_seconds_count{node=\"n3\"}"] == 0);
  CHECK(s["cluster_heartbeat_misses_total{node=\"n3\"}"] == 2);
  CHECK(s["cluster_heartbeat_misses_total{node=\"n2\"}"] == 0);
}

TEST_CASE("a forward CAF answered with an error is a timeout only when the "
          "request timed out") {
  CHECK(forward_result_of(caf::make_error(caf::sec::request_timeout)) ==
        forward_result::timeout);
  CHECK(forward_result_of(caf::make_error(caf::sec::request_receiver_down)) ==
        forward_result::unavailable);
  CHECK(forward_result_of(
            caf::make_error(caf::sec::no_route_to_receiving_node)) ==
        forward_result::unavailable);
  CHECK(std::string{to_string(forward_result::overloaded)} == "overloaded");
}

TEST_CASE("without engine metrics every call is ignored") {
  cluster_metrics none;
  none.forwarded(1, forward_result::ok, 0.1);
  none.heartbeat_miss(1);
  auto table = std::make_shared<cluster_table>(three_nodes());
  cluster_metrics no_registry{nullptr, table};
  no_registry.forwarded(1, forward_result::ok, 0.1);
  no_registry.heartbeat_miss(1);
}

TEST_CASE("the near cache's reads and entries are exposed") {
  auto m = std::make_shared<engine_metrics>();
  auto table = std::make_shared<cluster_table>(three_nodes());
  std::size_t entries = 0;
  cluster_metrics cm{m, table, [&entries] { return entries; }};
  auto s = samples(m->expose());
  CHECK(s["cluster_near_cache_reads_total{result=\"hit\"}"] == 0);
  CHECK(s["cluster_near_cache_reads_total{result=\"miss\"}"] == 0);
  CHECK(s["cluster_near_cache_entries"] == 0);
  cm.near_cache_read(true);
  cm.near_cache_read(true);
  cm.near_cache_read(false);
  entries = 7;
  s = samples(m->expose());
  CHECK(s["cluster_near_cache_reads_total{result=\"hit\"}"] == 2);
  CHECK(s["cluster_near_cache_reads_total{result=\"miss\"}"] == 1);
  CHECK(s["cluster_near_cache_entries"] == 7);
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/cluster.hpp"
#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

namespace {

/// A cluster section for node `self` of n1..n3 on 127.0.0.1, with `extra`
/// lines appended inside the section.
std::string three(const std::string& self, const std::string& extra = {}) {
  return "cluster:\n"
         "  node: " +
         self +
         "\n"
         "  nodes:\n"
         "    - { name: n1, address: \"127.0.0.1:7101\", http: "
         "\"127.0.0.1:8081\" }\n"
         "    - { name: n2, address: \"127.0.0.1:7102\", http: "
         "\"127.0.0.1:8082\" }\n"
         "    - { name: n3, address: \"127.0.0.1:7103\", http: "
         "\"127.0.0.1:8083\" }\n" +
         extra;
}

std::string with_nodes(const std::string& nodes,
                       const std::string& self = "n1") {
  return "cluster:\n  node: " + self + "\n  nodes:\n" + nodes;
}

cluster_node node(std::string name, std::string address, std::string http) {
  return {std::move(name), std::move(address), std::move(http)};
}

} // namespace

TEST_CASE("cluster defaults: no node, a single node, no cluster") {
  const config c = parse("{}");
  CHECK_FALSE(c.cluster.enabled());
  CHECK(c.cluster.nodes.empty());
  CHECK(c.cluster.heartbeat_interval_ms == 500);
  CHECK(c.cluster.node_timeout_ms == 2'000);
  CHECK(c.cluster.forward_timeout_ms == 5'000);
  CHECK(c.cluster.near_cache_entries == 10'000);
  CHECK(c.cluster.near_cache_ttl_ms == 60'000);
  CHECK(parse("cluster: {heartbeat_interval_ms: 100}")
            .cluster.heartbeat_interval_ms == 100);
}

TEST_CASE("a cluster section reads every key and round-trips") {
  const config c = parse(three("n2", "  listen: \"127.0.0.1:7102\"\n"
                                     "  heartbeat_interval_ms: 250\n"
                                     "  node_timeout_ms: 1000\n"
                                     "  chain_node: n3\n"
                                     "  forward_timeout_ms: 700\n"));
  CHECK(c.cluster.enabled());
  CHECK(c.cluster.node == "n2");
  CHECK(c.cluster.listen == "127.0.0.1:7102");
  REQUIRE(c.cluster.nodes.size() == 3);
  CHECK(c.cluster.nodes[2].name == "n3");
  CHECK(c.cluster.nodes[2].address == "127.0.0.1:7103");
  CHECK(c.cluster.nodes[2].http == "127.0.0.1:8083");
  CHECK(c.cluster.heartbeat_interval_ms == 250);
  CHECK(c.cluster.node_timeout_ms == 1'000);
  CHECK(c.cluster.chain_node == "n3");
  CHECK(c.cluster.forward_timeout_ms == 700);
  const config again = parse(to_yaml(c));
  CHECK(again.cluster.node == "n2");
  CHECK(again.cluster.listen == "127.0.0.1:7102");
  REQUIRE(again.cluster.nodes.size() == 3);
  CHECK(again.cluster.nodes[1].http == "127.0.0.1:8082");
  CHECK(again.cluster.chain_node == "n3");
  CHECK(membership_digest(again.cluster) == membership_digest(c.cluster));
}

TEST_CASE("an empty cluster.listen is this node's address") {
  CHECK(parse(three("n3")).cluster.listen == "127.0.0.1:7103");
  CHECK(parse(three("n1", "  listen: \"\"\n")).cluster.listen ==
        "127.0.0.1:7101");
  // The same endpoint spelled another way is that address.
  CHECK(parse(three("n1", "  listen: \"127.0.0.1:07101\"\n")).cluster.listen ==
        "127.0.0.1:07101");
}

TEST_CASE("a listen that differs from this node's address is refused") {
  CHECK(error_of(three("n1", "  listen: \"127.0.0.1:7102\"\n"))
            .rfind("cluster.listen (line 7): \"127.0.0.1:7102\" differs from "
                   "this node's address \"127.0.0.1:7101\" in cluster.nodes "
                   "(n1)",
                   0) == 0);
  CHECK(error_of(three("n1", "  listen: \"0.0.0.0:7101\"\n"))
            .rfind("cluster.listen (line 7): ", 0) == 0);
  CHECK(error_of(three("n1", "  listen: \"localhost\"\n"))
            .rfind("cluster.listen (line 7): expected \"host:port\"", 0) == 0);
}

TEST_CASE("cluster.node must be one of the names") {
  CHECK(
      error_of(three("n4"))
          .rfind(
              "cluster.node (line 2): unknown node \"n4\"; did you mean `n1`? "
              "known nodes: n1, n2, n3 (cluster.nodes)",
              0) == 0);
  CHECK(error_of("cluster:\n  nodes:\n    - { name: n1, address: "
                 "\"127.0.0.1:7101\", http: \"127.0.0.1:8081\" }\n")
            .rfind("cluster.nodes (line 2): cluster.node must name this node",
                   0) == 0);
  CHECK(error_of("cluster:\n  node: \"\"\n  nodes:\n    - { name: n1, "
                 "address: \"127.0.0.1:7101\", http: \"127.0.0.1:8081\" }\n")
            .rfind("cluster.node (line 2): cluster.node must name this node",
                   0) == 0);
  CHECK(error_of("cluster:\n  chain_node: n1\n")
            .rfind("cluster.chain_node (line 2): cluster.node must name this "
                   "node",
                   0) == 0);
  CHECK(error_of("cluster:\n  node: n1\n")
            .rfind("cluster.node (line 2): must list the cluster's nodes, this "
                   "node (\"n1\") among them",
                   0) == 0);
  CHECK(error_of("cluster:\n  node: n1\n  nodes: []\n")
            .rfind("cluster.nodes (line 3): must list the cluster's nodes",
                   0) == 0);
}

TEST_CASE("node names are unique, non-empty, [a-z0-9_-]{1,32}") {
  const std::string bad_name =
      "    - { name: N1, address: \"127.0.0.1:7101\", http: "
      "\"127.0.0.1:8081\" }\n";
  CHECK(error_of(with_nodes(bad_name))
            .rfind("cluster.nodes[0].name (line 4): expected 1 to 32 "
                   "characters of a-z, 0-9, '_' and '-', got \"N1\"",
                   0) == 0);
  CHECK(error_of(with_nodes("    - { name: \"\", address: \"127.0.0.1:7101\", "
                            "http: \"127.0.0.1:8081\" }\n"))
            .rfind("cluster.nodes[0].name (line 4): expected 1 to 32", 0) == 0);
  CHECK(error_of(with_nodes("    - { name: " + std::string(33, 'a') +
                            ", address: \"127.0.0.1:7101\", http: "
                            "\"127.0.0.1:8081\" }\n"))
            .rfind("cluster.nodes[0].name (line 4): expected 1 to 32", 0) == 0);
  const std::string long_ok(32, 'z');
  CHECK(parse(with_nodes("    - { name: " + long_ok +
                             ", address: \"127.0.0.1:7101\", http: "
                             "\"127.0.0.1:8081\" }\n",
                         long_ok))
            .cluster.node == long_ok);
  CHECK(parse(with_nodes("    - { name: a_b-9, address: \"127.0.0.1:7101\", "
                         "http: \"127.0.0.1:8081\" }\n",
                         "a_b-9"))
            .cluster.nodes[0]
            .name == "a_b-9");
  CHECK(error_of(
            with_nodes("    - { name: n1, address: \"127.0.0.1:7101\", http: "
                       "\"127.0.0.1:8081\" }\n"
                       "    - { name: n1, address: \"127.0.0.1:7102\", http: "
                       "\"127.0.0.1:8082\" }\n"))
            .rfind("cluster.nodes (line 3): nodes[1] has the same name as "
                   "nodes[0] (\"n1\"); each node needs its own",
                   0) == 0);
  CHECK(
      error_of(with_nodes("    - { name: n1, address: \"127.0.0.1:7101\" }\n"))
          .find("cluster.nodes[0] (line 4): missing required key `http`") !=
      std::string::npos);
}

TEST_CASE("node addresses and http addresses are valid and unique") {
  CHECK(error_of(with_nodes("    - { name: n1, address: \"127.0.0.1\", http: "
                            "\"127.0.0.1:8081\" }\n"))
            .rfind("cluster.nodes[0].address (line 4): expected \"host:port\"",
                   0) == 0);
  CHECK(error_of(with_nodes("    - { name: n1, address: \"127.0.0.1:7101\", "
                            "http: \"127.0.0.1:99999\" }\n"))
            .rfind("cluster.nodes[0].http (line 4): ", 0) == 0);
  CHECK(error_of(
            with_nodes("    - { name: n1, address: \"127.0.0.1:7101\", http: "
                       "\"127.0.0.1:8081\" }\n"
                       "    - { name: n2, address: \"127.0.0.1:07101\", http: "
                       "\"127.0.0.1:8082\" }\n"))
            .rfind("cluster.nodes (line 3): nodes[1] has the same address as "
                   "nodes[0] (\"127.0.0.1:07101\")",
                   0) == 0);
  CHECK(error_of(
            with_nodes("    - { name: n1, address: \"127.0.0.1:7101\", http: "
                       "\"127.0.0.1:8081\" }\n"
                       "    - { name: n2, address: \"127.0.0.1:7102\", http: "
                       "\"127.0.0.1:8081\" }\n"))
            .rfind("cluster.nodes (line 3): nodes[1] has the same http as "
                   "nodes[0]",
                   0) == 0);
  // The same port on two hosts is two endpoints.
  CHECK(parse(with_nodes("    - { name: n1, address: \"10.0.0.1:7101\", http: "
                         "\"10.0.0.1:8081\" }\n"
                         "    - { name: n2, address: \"10.0.0.2:7101\", http: "
                         "\"10.0.0.2:8081\" }\n"))
            .cluster.nodes.size() == 2);
}

TEST_CASE("cluster.chain_node is one of the names") {
  CHECK(parse(three("n1", "  chain_node: n2\n")).cluster.chain_node == "n2");
  CHECK(parse(three("n1")).cluster.chain_node.empty());
  CHECK(error_of(three("n1", "  chain_node: n9\n"))
            .rfind("cluster.chain_node (line 7): unknown node \"n9\"", 0) == 0);
}

TEST_CASE("cluster.previous_nodes names nodes of the list, not all of them") {
  const auto c = parse(three("n1", "  previous_nodes: [n1, n2]\n")).cluster;
  CHECK(c.previous_nodes == std::vector<std::string>{"n1", "n2"});
  CHECK(parse(three("n1")).cluster.previous_nodes.empty());
  const config again =
      parse(to_yaml(parse(three("n1", "  previous_nodes: [n1, n2]\n"))));
  CHECK(again.cluster.previous_nodes == c.previous_nodes);
  CHECK(error_of(three("n1", "  previous_nodes: [n1, n9]\n"))
            .rfind("cluster.previous_nodes (line 7): unknown node \"n9\"", 0) ==
        0);
  CHECK(error_of(three("n1", "  previous_nodes: [n1, n1]\n"))
            .rfind("cluster.previous_nodes (line 7): names \"n1\" twice", 0) ==
        0);
  CHECK(error_of(three("n1", "  previous_nodes: [\"127.0.0.1:7101\"]\n"))
            .rfind("cluster.previous_nodes (line 7): a node's name expected",
                   0) == 0);
  CHECK(error_of(three("n1", "  previous_nodes: [n3, n2, n1]\n"))
            .rfind("cluster.previous_nodes (line 7): lists every node", 0) ==
        0);
  CHECK(error_of("cluster:\n  previous_nodes: [n1]\n")
            .rfind("cluster.previous_nodes (line 2): cluster.node must name",
                   0) == 0);
}

TEST_CASE("the previous nodes are part of the membership digest when set") {
  const auto plain = parse(three("n1")).cluster;
  const auto added = parse(three("n1", "  previous_nodes: [n1, n2]\n")).cluster;
  const auto reordered =
      parse(three("n2", "  previous_nodes: [n2, n1]\n")).cluster;
  const auto other = parse(three("n1", "  previous_nodes: [n1, n3]\n")).cluster;
  CHECK(membership_digest(plain) != membership_digest(added));
  CHECK(membership_digest(added) == membership_digest(reordered));
  CHECK(membership_digest(added) != membership_digest(other));
}

TEST_CASE("cluster near cache keys") {
  const config c =
      parse("cluster: {near_cache_entries: 0, near_cache_ttl_ms: 1500}");
  CHECK(c.cluster.near_cache_entries == 0);
  CHECK(c.cluster.near_cache_ttl_ms == 1'500);
  const config again = parse(to_yaml(c));
  CHECK(again.cluster.near_cache_entries == 0);
  CHECK(again.cluster.near_cache_ttl_ms == 1'500);
  CHECK(error_of("cluster: {near_cache_entries: 1000001}")
            .rfind("cluster.near_cache_entries (line 1): must be between 0 "
                   "and 1000000, got 1000001",
                   0) == 0);
  CHECK(error_of("cluster: {near_cache_ttl_ms: 0}")
            .rfind("cluster.near_cache_ttl_ms (line 1): must be between 1 and "
                   "86400000, got 0",
                   0) == 0);
}

TEST_CASE("cluster timing keys") {
  CHECK(error_of("cluster: {heartbeat_interval_ms: 9}")
            .rfind("cluster.heartbeat_interval_ms (line 1): must be between 10 "
                   "and 60000, got 9",
                   0) == 0);
  CHECK(error_of("cluster: {heartbeat_interval_ms: 60001}")
            .rfind("cluster.heartbeat_interval_ms (line 1): must be between",
                   0) == 0);
  CHECK(error_of("cluster: {forward_timeout_ms: 0}")
            .rfind("cluster.forward_timeout_ms (line 1): must be at least 1",
                   0) == 0);
  CHECK(error_of("cluster: {heartbeat_interval_ms: 500, node_timeout_ms: 999}")
            .rfind("cluster.node_timeout_ms (line 1): node_timeout_ms (999) "
                   "must be at least twice heartbeat_interval_ms (500)",
                   0) == 0);
  CHECK(error_of("cluster: {heartbeat_interval_ms: 1001}")
            .rfind("cluster.heartbeat_interval_ms (line 1): node_timeout_ms "
                   "(2000) must be at "
                   "least twice heartbeat_interval_ms (1001)",
                   0) == 0);
  CHECK(parse("cluster: {heartbeat_interval_ms: 500, node_timeout_ms: 1000}")
            .cluster.node_timeout_ms == 1'000);
}

TEST_CASE("the cluster examples are three nodes of one membership") {
  std::vector<config> nodes;
  for (const char* name : {"n1", "n2", "n3"})
    nodes.push_back(load_file(INTENTD_SOURCE_DIR "/examples/cluster/" +
                              std::string{name} + ".yaml"));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& c = nodes[i];
    const std::string n = std::to_string(i + 1);
    CHECK(c.cluster.node == "n" + n);
    REQUIRE(c.cluster.nodes.size() == 3);
    CHECK(c.cluster.listen == "127.0.0.1:710" + n);
    CHECK(c.cluster.nodes[i].http == c.server.listen);
    CHECK(c.server.listen == "127.0.0.1:808" + n);
    CHECK(c.storage.path == "./data-n" + n);
    CHECK(membership_digest(c.cluster) == membership_digest(nodes[0].cluster));
    CHECK(
        membership_difference(c.cluster.nodes, nodes[0].cluster.nodes).empty());
  }
}

TEST_CASE("check_cluster on structs built in code") {
  cluster c;
  CHECK(check_cluster(c).message.empty());
  c.node = "n1";
  c.nodes = {node("n1", "127.0.0.1:7101", "127.0.0.1:8081"),
             node("n2", "127.0.0.1:7102", "127.0.0.1:8082")};
  CHECK(check_cluster(c).message.empty());
  default_cluster_listen(c);
  CHECK(c.listen == "127.0.0.1:7101");
  c.nodes[1].name = "bad name";
  CHECK(std::string{check_cluster(c).key} == "nodes");
}

TEST_CASE("membership_digest is stable and ignores the order of the nodes") {
  cluster a;
  a.node = "n1";
  a.nodes = {node("n1", "127.0.0.1:7101", "127.0.0.1:8081"),
             node("n2", "127.0.0.1:7102", "127.0.0.1:8082")};
  const auto digest = membership_digest(a);
  CHECK(digest.size() == 16);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
  // FNV-1a 64 of "n1|127.0.0.1:7101|127.0.0.1:8081\n...node_timeout_ms=2000\n".
  CHECK(digest == membership_digest(a));
  cluster b = a;
  b.node = "n2"; // this node's name is not part of the membership
  std::swap(b.nodes[0], b.nodes[1]);
  // The order matters only through the chain node it resolves to.
  CHECK(membership_digest(b) != digest);
  b.chain_node = "n1";
  CHECK(membership_digest(b) == digest);
  b.nodes[0].http = "127.0.0.1:9082";
  CHECK(membership_digest(b) != digest);
  cluster c = a;
  c.heartbeat_interval_ms = 400;
  CHECK(membership_digest(c) != digest);
  cluster d = a;
  d.node_timeout_ms = 3'000;
  CHECK(membership_digest(d) != digest);
  cluster e = a;
  e.nodes.pop_back();
  CHECK(membership_digest(e) != digest);
  cluster f = a;
  f.forward_timeout_ms = 1; // local, not compared
  CHECK(membership_digest(f) == digest);
  cluster g = a;
  g.chain_node = "n2"; // another ledger
  CHECK(resolved_chain_node(g) == "n2");
  CHECK(membership_digest(g) != digest);
  g.chain_node = "n1"; // the default, named
  CHECK(membership_digest(g) == digest);
  cluster empty;
  CHECK(membership_digest(empty) == membership_digest(cluster{}));
}

TEST_CASE("membership_difference names the first differences") {
  const std::vector<cluster_node> ours = {
      node("n1", "127.0.0.1:7101", "127.0.0.1:8081"),
      node("n2", "127.0.0.1:7102", "127.0.0.1:8082"),
      node("n3", "127.0.0.1:7103", "127.0.0.1:8083")};
  CHECK(membership_difference(ours, ours).empty());
  CHECK(membership_difference(ours, {ours[2], ours[0], ours[1]}).empty());
  CHECK(membership_difference(ours, {ours[0], ours[1]}) ==
        "node lists differ: n3 is missing from their list");
  CHECK(membership_difference({ours[0], ours[1]}, ours) ==
        "node lists differ: they list n3 (127.0.0.1:7103), which ours does "
        "not");
  auto theirs = ours;
  theirs[1].address = "127.0.0.1:7202";
  CHECK(membership_difference(ours, theirs) ==
        "node lists differ: n2's address is 127.0.0.1:7102 here but "
        "127.0.0.1:7202 there");
  theirs[2].http = "127.0.0.1:9083";
  CHECK(membership_difference(ours, theirs) ==
        "node lists differ: n2's address is 127.0.0.1:7102 here but "
        "127.0.0.1:7202 there; n3's http is 127.0.0.1:8083 here but "
        "127.0.0.1:9083 there");
  const std::vector<cluster_node> others = {
      node("m1", "127.0.0.1:1", "127.0.0.1:2"),
      node("m2", "127.0.0.1:3", "127.0.0.1:4")};
  CHECK(membership_difference(ours, others) ==
        "node lists differ: n1 is missing from their list; n2 is missing from "
        "their list; n3 is missing from their list; and 2 more");
}

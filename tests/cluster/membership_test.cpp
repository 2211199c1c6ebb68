// The membership actor on CAF's test coordinator: stand-in nodes answer
// (or do not answer) its hellos and heartbeats; the test clock decides
// when a silent node counts as down. No sleeps, no sockets.

#include <doctest/doctest.h>

#include <map>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "config/cluster.hpp"
#include "runtime/cluster/cluster_table.hpp"
#include "runtime/cluster/membership.hpp"

using namespace intentd;
using namespace std::chrono_literals;

namespace {

/// How a stand-in node behaves; shared with the test.
struct fake_node {
  cluster_hello hello;
  bool silent = false; // heartbeats go unanswered (hung, cut off)
  uint64_t live = 0;
  uint64_t pings = 0;
  std::vector<caf::typed_response_promise<cluster_pong>> unanswered;
};

problem not_here() {
  return problem{errc::internal, "stand-in node", {}};
}

cluster_endpoint_actor::behavior_type
fake_endpoint(cluster_endpoint_actor::pointer self,
              std::shared_ptr<fake_node> node) {
  return {
      [=](hello_atom, cluster_hello&, caf::actor&) -> hello_outcome {
        return node->hello;
      },
      [=](ping_atom,
          const std::string&) -> caf::typed_response_promise<cluster_pong> {
        ++node->pings;
        auto rp = self->make_response_promise<cluster_pong>();
        if (node->silent)
          node->unanswered.push_back(rp);
        else
          rp.deliver(cluster_pong{node->hello.node, node->live});
        return rp;
      },
      [=](submit_atom, intent&, std::string&) {
        return submit_outcome{not_here()};
      },
      [=](get_atom, std::string&) { return record_outcome{not_here()}; },
      [=](get_atom, rendered_atom, std::string&) {
        return rendered_outcome{not_here()};
      },
      [=](cancel_atom, std::string&, std::optional<cancel_auth>&) {
        return record_outcome{not_here()};
      },
      [=](tx_atom, std::string&) { return record_outcome{not_here()}; },
      [=](list_atom, list_query&) { return page_outcome{not_here()}; },
      [=](dead_atom, uint32_t) { return records_outcome{not_here()}; },
      [=](retry_atom, std::string&) { return record_outcome{not_here()}; },
      [=](purge_atom, std::string&) { return record_outcome{not_here()}; },
      [=](stats_atom) { return solvers_outcome{not_here()}; },
      [=](nonce_atom, std::string&, uint64_t) {
        return nonce_owner_outcome{not_here()};
      },
      [=](reserve_atom, std::string&, uint64_t, std::string&) {
        return write_outcome{not_here()};
      },
      [=](rate_atom, uint8_t, rate_subject&, uint8_t) {
        return rate_outcome{not_here()};
      },
      [=](keys_atom, std::string&, std::string&) {
        return key_added_outcome{not_here()};
      },
      [=](keys_atom, std::string&) { return key_set_outcome{not_here()}; },
      [=](subscribe_atom, subscription_target, std::string&, caf::actor&) {},
      [=](unsubscribe_atom, subscription_target, std::string&, caf::actor&) {},
      [=](chain_atom, chain_call&) { return chain_outcome{not_here()}; },
  };
}

struct fixture {
  cfg::cluster cc;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<cluster_table> table;
  /// The stand-in nodes by port, and their endpoints while they run.
  std::map<uint16_t, std::shared_ptr<fake_node>> nodes;
  std::map<uint16_t, cluster_endpoint_actor> endpoints;
  std::set<uint16_t> refusing; // ports whose connect fails
  uint64_t connects = 0;
  /// Heartbeat misses the membership reported, by node index.
  std::shared_ptr<std::map<std::size_t, uint64_t>> misses =
      std::make_shared<std::map<std::size_t, uint64_t>>();
  membership_actor membership;

  fixture() {
    cc.node = "n1";
    cc.nodes = {{"n1", "127.0.0.1:7101", "127.0.0.1:8081"},
                {"n2", "127.0.0.1:7102", "127.0.0.1:8082"},
                {"n3", "127.0.0.1:7103", "127.0.0.1:8083"}};
    cc.listen = "127.0.0.1:7101";
    cc.heartbeat_interval_ms = 100;
    cc.node_timeout_ms = 400;
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    table = std::make_shared<cluster_table>(cc);
    cluster_hello ours{cc.node, cfg::membership_digest(cc), cc.nodes,
                       cfg::resolved_chain_node(cc)};
    for (uint16_t port : {7102, 7103}) {
      auto n = std::make_shared<fake_node>();
      n->hello = ours;
      n->hello.node = port == 7102 ? "n2" : "n3";
      nodes[port] = n;
      endpoints[port] = sys->spawn(fake_endpoint, n);
    }
    auto connector =
        sys->spawn([this](caf::event_based_actor*) -> caf::behavior {
          return {
              [this](caf::connect_atom, const std::string&, uint16_t port)
                  -> caf::result<caf::node_id, caf::strong_actor_ptr,
                                 std::set<std::string>> {
                ++connects;
                if (refusing.count(port) || !endpoints.count(port))
                  return caf::make_error(caf::sec::cannot_connect_to_node);
                return {caf::node_id{},
                        caf::actor_cast<caf::strong_actor_ptr>(endpoints[port]),
                        std::set<std::string>{}};
              },
          };
        });
    membership_options mo;
    mo.hello = ours;
    mo.heartbeat = std::chrono::milliseconds{cc.heartbeat_interval_ms};
    mo.node_timeout = std::chrono::milliseconds{cc.node_timeout_ms};
    mo.min_backoff = 100ms;
    mo.max_backoff = 800ms;
    mo.on_heartbeat_miss = [m = misses](std::size_t node) { ++(*m)[node]; };
    membership = spawn_membership(*sys, table, connector, mo);
    auto own = sys->spawn(fake_endpoint, std::make_shared<fake_node>());
    caf::anon_send(membership, publish_atom::value, own);
    sched->run();
  }

  ~fixture() {
    caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
    for (auto& [port, ep] : endpoints)
      caf::anon_send_exit(ep, caf::exit_reason::user_shutdown);
    for (auto& [port, n] : nodes)
      n->unanswered.clear();
    sched->run();
    sched->clock().cancel_all();
  }

  /// Moves the test clock in 10 ms steps, running whatever is due.
  void advance(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 10ms) {
      sched->advance_time(10ms);
      sched->run();
    }
  }

  node_state n2() const { return table->state(1); }
  node_state n3() const { return table->state(2); }
};

} // namespace

TEST_CASE("the membership joins every node and keeps it up while it "
          "answers") {
  fixture f;
  CHECK(f.table->state(0) == node_state::self);
  CHECK(f.n2() == node_state::up);
  CHECK(f.n3() == node_state::up);
  f.nodes[7102]->live = 7;
  f.advance(1000ms);
  CHECK(f.n2() == node_state::up);
  CHECK(f.nodes[7102]->pings >= 9);
  auto view = f.table->view(3);
  CHECK(view.node == "n1");
  CHECK(view.nodes[0].live_intents == 3);
  CHECK(view.nodes[1].live_intents == 7);
  CHECK(f.connects == 2);
}

TEST_CASE("a node silent for node_timeout_ms is down, and up again at its "
          "first answer") {
  fixture f;
  f.nodes[7102]->silent = true;
  f.advance(300ms);
  CHECK(f.n2() == node_state::up); // silent, not yet for node_timeout_ms
  f.advance(300ms);
  CHECK(f.n2() == node_state::down);
  CHECK(f.n3() == node_state::up);
  CHECK_FALSE(f.table->endpoint(1));
  // Hung, not gone: the link stays and the pings go on.
  auto pings = f.nodes[7102]->pings;
  f.advance(500ms);
  CHECK(f.nodes[7102]->pings > pings);
  CHECK(f.n2() == node_state::down);
  f.nodes[7102]->silent = false;
  f.advance(200ms);
  CHECK(f.n2() == node_state::up);
  CHECK(f.table->endpoint(1));
  CHECK(f.connects == 2); // no new connection was needed
}

TEST_CASE("a dropped link marks the node down at once and it is joined "
          "again with backoff") {
  fixture f;
  f.refusing.insert(7103);
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.endpoints.erase(7103);
  f.sched->run();
  CHECK(f.n3() == node_state::down);
  CHECK(f.n2() == node_state::up);
  auto tries = f.connects;
  f.advance(2000ms);
  // Refused each time; the waits double (100, 200, 400, 800 ms, ...).
  auto refused = f.connects - tries;
  CHECK(refused >= 3);
  CHECK(refused <= 6);
  CHECK(f.n3() == node_state::down);
  // The node comes back (a new process on the same address).
  f.refusing.erase(7103);
  f.endpoints[7103] = f.sys->spawn(fake_endpoint, f.nodes[7103]);
  f.advance(1000ms);
  CHECK(f.n3() == node_state::up);
}

TEST_CASE("a node with another member list is refused") {
  fixture f;
  // n3 restarts with a list that names another address for n2.
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.sched->run();
  REQUIRE(f.n3() == node_state::down);
  auto other = f.cc;
  other.nodes[1].address = "127.0.0.1:9999";
  f.nodes[7103]->hello.digest = cfg::membership_digest(other);
  f.nodes[7103]->hello.nodes = other.nodes;
  f.endpoints[7103] = f.sys->spawn(fake_endpoint, f.nodes[7103]);
  f.advance(2000ms);
  CHECK(f.n3() == node_state::down);
  CHECK(f.nodes[7103]->pings == 0);
  // The same list again: joined.
  f.nodes[7103]->hello.digest = cfg::membership_digest(f.cc);
  f.nodes[7103]->hello.nodes = f.cc.nodes;
  f.advance(2000ms);
  CHECK(f.n3() == node_state::up);
}

TEST_CASE("a node that puts the chain on another node is refused") {
  fixture f;
  // n3 restarts with the same list but cluster.chain_node: n3, so it would
  // keep a ledger of its own.
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.sched->run();
  REQUIRE(f.n3() == node_state::down);
  auto other = f.cc;
  other.chain_node = "n3";
  REQUIRE(cfg::membership_difference(other.nodes, f.cc.nodes).empty());
  f.nodes[7103]->hello.digest = cfg::membership_digest(other);
  f.nodes[7103]->hello.chain_node = cfg::resolved_chain_node(other);
  CHECK(hello_difference(f.nodes[7102]->hello, f.nodes[7103]->hello) ==
        "the chain node is n1 here but n3 there");
  f.endpoints[7103] = f.sys->spawn(fake_endpoint, f.nodes[7103]);
  f.advance(2000ms);
  CHECK(f.n3() == node_state::down);
  CHECK(f.nodes[7103]->pings == 0);
  // chain_node: n1 named explicitly resolves as the default does: joined.
  other.chain_node = "n1";
  f.nodes[7103]->hello.digest = cfg::membership_digest(other);
  f.nodes[7103]->hello.chain_node = cfg::resolved_chain_node(other);
  f.advance(2000ms);
  CHECK(f.n3() == node_state::up);
}

TEST_CASE("a node of another protocol version is refused") {
  fixture f;
  // n3 restarts as another intentd version with the same list.
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.sched->run();
  REQUIRE(f.n3() == node_state::down);
  f.nodes[7103]->hello.protocol = cluster_protocol + 1;
  CHECK(hello_refusal(f.nodes[7102]->hello, f.nodes[7103]->hello) ==
        "it speaks cluster protocol " + std::to_string(cluster_protocol + 1) +
            " and this node " + std::to_string(cluster_protocol) +
            ": every node must run the same intentd version");
  f.endpoints[7103] = f.sys->spawn(fake_endpoint, f.nodes[7103]);
  f.advance(2000ms);
  CHECK(f.n3() == node_state::down);
  CHECK(f.nodes[7103]->pings == 0);
  // Back on this version: joined.
  f.nodes[7103]->hello.protocol = cluster_protocol;
  CHECK(hello_refusal(f.nodes[7102]->hello, f.nodes[7103]->hello).empty());
  f.advance(2000ms);
  CHECK(f.n3() == node_state::up);
}

TEST_CASE("a node answering at an address under another name is refused") {
  fixture f;
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.sched->run();
  f.nodes[7103]->hello.node = "n2";
  f.endpoints[7103] = f.sys->spawn(fake_endpoint, f.nodes[7103]);
  f.advance(1000ms);
  CHECK(f.n3() == node_state::down);
  CHECK(f.n2() == node_state::up);
}

TEST_CASE("heartbeat misses are counted for a silent node only, while it "
          "stays silent") {
  fixture f;
  f.advance(1000ms);
  CHECK(f.misses->empty()); // both answer every ping
  f.nodes[7102]->silent = true;
  f.advance(400ms);
  // Silent for 400 ms: not yet past node_timeout_ms, and no ping has
  // waited for it yet.
  CHECK(f.misses->count(1) == 0);
  f.advance(200ms);
  REQUIRE(f.n2() == node_state::down);
  auto at_down = (*f.misses)[1];
  CHECK(at_down >= 1);
  // While it stays silent, every tick and every ping that times out counts:
  // a tick each 100 ms, and a ping sent each 100 ms times out 400 ms later.
  f.advance(1000ms);
  auto later = (*f.misses)[1];
  CHECK(later - at_down >= 15);
  CHECK(later - at_down <= 22);
  CHECK(f.misses->count(2) == 0); // n3 answered throughout
  // It answers again: the count stops once the pings it left unanswered
  // have timed out (node_timeout_ms after the last of them was sent).
  f.nodes[7102]->silent = false;
  f.advance(200ms);
  REQUIRE(f.n2() == node_state::up);
  f.advance(400ms);
  auto back = (*f.misses)[1];
  f.advance(1000ms);
  CHECK((*f.misses)[1] == back);
}

TEST_CASE("a node whose link dropped is not pinged, so it misses no "
          "heartbeat") {
  fixture f;
  f.refusing.insert(7103);
  caf::anon_send_exit(f.endpoints[7103], caf::exit_reason::kill);
  f.endpoints.erase(7103);
  f.sched->run();
  REQUIRE(f.n3() == node_state::down);
  f.advance(2000ms);
  CHECK(f.misses->count(2) == 0);
}

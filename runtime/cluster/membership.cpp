#include "runtime/cluster/membership.hpp"

#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "config/cluster.hpp"
#include "config/host_port.hpp"

namespace intentd {

namespace {

using clock_type = caf::actor_clock;
using time_point = clock_type::time_point;

struct peer {
  std::size_t index = 0;
  std::string name;
  std::string host;
  uint16_t port = 0;
  cluster_endpoint_actor endpoint;
  bool up = false;
  bool connecting = false;
  time_point last_heard{};
  time_point next_attempt{};
  std::chrono::milliseconds backoff{0};
  std::string last_refusal; // logged once until it changes
};

struct membership_state {
  std::shared_ptr<cluster_table> table;
  caf::actor connector;
  membership_options opts;
  std::vector<peer> peers;
  cluster_endpoint_actor endpoint; // this node's
  static inline const char* name = "membership";
};

using self_ptr = membership_actor::stateful_pointer<membership_state>;

peer* find_peer(self_ptr self, const std::string& name) {
  for (auto& p : self->state.peers)
    if (p.name == name)
      return &p;
  return nullptr;
}

void mark_up(self_ptr self, peer& p, const char* how) {
  p.last_heard = self->clock().now();
  if (p.up)
    return;
  p.up = true;
  self->state.table->mark_up(p.index, p.endpoint);
  spdlog::info("cluster: node {} is up ({})", p.name, how);
}

void mark_down(self_ptr self, peer& p, const std::string& why) {
  if (!p.up)
    return;
  p.up = false;
  self->state.table->mark_down(p.index);
  spdlog::warn("cluster: node {} is down: {}", p.name, why);
}

void missed(self_ptr self, std::size_t index) {
  if (self->state.opts.on_heartbeat_miss)
    self->state.opts.on_heartbeat_miss(index);
}

void failed(self_ptr self, peer& p, const std::string& why) {
  p.connecting = false;
  const auto& o = self->state.opts;
  p.backoff = p.backoff.count() == 0 ? o.min_backoff
                                     : std::min(p.backoff * 2, o.max_backoff);
  p.next_attempt = self->clock().now() + p.backoff;
  spdlog::debug("cluster: cannot join node {} ({}); next try in {} ms", p.name,
                why, p.backoff.count());
}

/// Adopts `endpoint` as the way to node `p`: monitored, so that a dropped
/// link marks it down at once.
void adopt(self_ptr self, peer& p, cluster_endpoint_actor endpoint,
           const char* how) {
  p.connecting = false;
  p.backoff = std::chrono::milliseconds{0};
  if (p.endpoint != endpoint) {
    if (p.endpoint)
      self->demonitor(p.endpoint.address());
    p.endpoint = std::move(endpoint);
    self->monitor(p.endpoint);
    if (p.up) // a new incarnation of a node that was up
      self->state.table->mark_up(p.index, p.endpoint);
  }
  mark_up(self, p, how);
}

/// Checks the hello a node answered with: its name is the one configured
/// at the address we dialled, its member list is ours.
std::string refusal(const membership_options& o, const peer& p,
                    const cluster_hello& theirs) {
  if (theirs.node != p.name)
    return "the node at " + p.host + ":" + std::to_string(p.port) +
           " calls itself " + theirs.node + ", not " + p.name;
  return hello_refusal(o.hello, theirs);
}

void dial(self_ptr self, peer& p) {
  auto timeout = self->state.opts.node_timeout;
  auto name = p.name;
  self->request(self->state.connector, timeout, caf::connect_atom::value,
                p.host, p.port)
      .then(
          [=](caf::node_id&, caf::strong_actor_ptr& ptr,
              std::set<std::string>&) {
            auto* q = find_peer(self, name);
            if (!q)
              return;
            if (!ptr)
              return failed(self, *q, "no endpoint published there");
            auto endpoint = caf::actor_cast<cluster_endpoint_actor>(ptr);
            self->request(endpoint, timeout, hello_atom::value,
                          self->state.opts.hello,
                          caf::actor_cast<caf::actor>(self->state.endpoint))
                .then(
                    [=](hello_outcome& r) {
                      auto* q = find_peer(self, name);
                      if (!q)
                        return;
                      auto why = r ? refusal(self->state.opts, *q, *r)
                                   : "it refused us: " + r.error().message;
                      if (!why.empty()) {
                        if (why != q->last_refusal)
                          spdlog::error("cluster: not joining node {}: {}",
                                        name, why);
                        q->last_refusal = why;
                        return failed(self, *q, why);
                      }
                      q->last_refusal.clear();
                      adopt(self, *q, endpoint, "joined");
                    },
                    [=](caf::error& err) {
                      if (auto* q = find_peer(self, name))
                        failed(self, *q, caf::to_string(err));
                    });
          },
          [=](caf::error& err) {
            if (auto* q = find_peer(self, name))
              failed(self, *q, caf::to_string(err));
          });
}

/// Probes the node first when a probe is set (on a detached actor: it
/// blocks), then dials it through the middleman.
void connect(self_ptr self, peer& p) {
  p.connecting = true;
  const auto& o = self->state.opts;
  if (!o.probe)
    return dial(self, p);
  auto probe = self->spawn<caf::detached>(
      [](caf::event_based_actor* me, decltype(o.probe) f, std::string host,
         uint16_t port, std::chrono::milliseconds timeout) -> caf::behavior {
        return {
            [=](probe_atom) {
              me->quit();
              return f(host, port, timeout);
            },
        };
      },
      o.probe, p.host, p.port, o.node_timeout);
  auto name = p.name;
  self->request(probe, o.node_timeout * 2, probe_atom::value)
      .then(
          [=](bool reachable) {
            auto* q = find_peer(self, name);
            if (!q)
              return;
            if (!reachable)
              return failed(self, *q, "not reachable over TCP");
            dial(self, *q);
          },
          [=](caf::error& err) {
            if (auto* q = find_peer(self, name))
              failed(self, *q, caf::to_string(err));
          });
}

void tick(self_ptr self) {
  auto now = self->clock().now();
  const auto& o = self->state.opts;
  for (auto& p : self->state.peers) {
    if (p.endpoint) {
      if (now - p.last_heard > o.node_timeout) {
        missed(self, p.index);
        if (p.up)
          mark_down(self, p,
                    "no heartbeat answer for " +
                        std::to_string(o.node_timeout.count()) + " ms");
      }
      auto name = p.name;
      self->request(p.endpoint, o.node_timeout, ping_atom::value, o.hello.node)
          .then(
              [=](cluster_pong& pong) {
                auto* q = find_peer(self, name);
                if (!q || !q->endpoint)
                  return;
                self->state.table->set_live(q->index, pong.live_intents);
                mark_up(self, *q, "answering again");
              },
              [=](caf::error& err) {
                // Silence is judged by the next ticks against node_timeout.
                if (err == caf::sec::request_timeout)
                  if (auto* q = find_peer(self, name))
                    missed(self, q->index);
              });
    } else if (!p.connecting && now >= p.next_attempt) {
      connect(self, p);
    }
  }
  self->delayed_send(self, o.heartbeat, tick_atom::value);
}

membership_actor::behavior_type
membership_impl(self_ptr self, std::shared_ptr<cluster_table> table,
                caf::actor connector, membership_options opts) {
  auto& st = self->state;
  st.table = std::move(table);
  st.connector = std::move(connector);
  st.opts = std::move(opts);
  for (std::size_t i = 0; i < st.opts.hello.nodes.size(); ++i) {
    const auto& n = st.opts.hello.nodes[i];
    if (n.name == st.opts.hello.node)
      continue;
    peer p;
    p.index = i;
    p.name = n.name;
    auto hp = cfg::parse_host_port(n.address);
    p.host = hp.value.host;
    p.port = hp.value.port;
    st.peers.push_back(std::move(p));
  }
  self->set_down_handler([=](caf::down_msg& msg) {
    for (auto& p : self->state.peers)
      if (p.endpoint && p.endpoint.address() == msg.source) {
        p.endpoint = nullptr;
        mark_down(self, p,
                  "its link dropped (" + caf::to_string(msg.reason) + ")");
        p.next_attempt = self->clock().now();
      }
  });
  return {
      [=](publish_atom, cluster_endpoint_actor& endpoint) {
        bool first = !self->state.endpoint;
        self->state.endpoint = std::move(endpoint);
        if (first)
          tick(self);
      },
      [=](join_atom, cluster_hello& hello, cluster_endpoint_actor& endpoint) {
        if (auto* p = find_peer(self, hello.node))
          if (!p->endpoint || p->endpoint != endpoint)
            adopt(self, *p, std::move(endpoint), "it joined us");
      },
      [=](tick_atom) { tick(self); },
  };
}

} // namespace

membership_actor spawn_membership(caf::actor_system& sys,
                                  std::shared_ptr<cluster_table> table,
                                  caf::actor connector,
                                  membership_options opts) {
  return sys.spawn(membership_impl, std::move(table), std::move(connector),
                   std::move(opts));
}

} // namespace intentd

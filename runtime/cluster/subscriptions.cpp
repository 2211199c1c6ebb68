#include "runtime/cluster/subscriptions.hpp"

#include <set>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/cluster/messages.hpp"

namespace intentd {

namespace {

/// The subscriber's handler, called from the local notifier's thread and
/// the relay's: one call at a time, and none once it refused a notice.
class guarded_handler {
public:
  explicit guarded_handler(notice_handler f) : f_(std::move(f)) {}

  bool operator()(const notice& n) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (refused_)
      return false;
    refused_ = !f_(n);
    return !refused_;
  }

private:
  std::mutex mtx_;
  notice_handler f_;
  bool refused_ = false;
};

using subscription = std::pair<subscription_target, std::string>;

struct remote_node {
  cluster_endpoint_actor endpoint;
  std::set<subscription> subs;
};

struct relay_state {
  std::shared_ptr<guarded_handler> handler;
  std::vector<std::string> names;
  std::map<std::size_t, remote_node> nodes;
  static inline const char* name = "subscription-relay";
};

using relay_ptr = caf::stateful_actor<relay_state>*;

notice unavailable_notice(const std::string& node, const subscription& s) {
  bool intent = s.first == subscription_target::intent;
  auto message =
      intent ? "Node " + node + ", which owns intent " + s.second +
                   ", is unavailable; subscribe again once it is back."
             : "Node " + node + ", which holds some of account " + s.second +
                   "'s intents, is unavailable; updates of those stop until "
                   "you subscribe again once it is back.";
  return make_error_notice("node_unavailable", std::move(message),
                           to_string(s.first), s.second);
}

void lose(relay_ptr self, std::size_t node) {
  auto i = self->state.nodes.find(node);
  if (i == self->state.nodes.end())
    return;
  auto subs = std::move(i->second.subs);
  self->demonitor(i->second.endpoint.address());
  self->state.nodes.erase(i);
  for (const auto& s : subs)
    if (!(*self->state.handler)(unavailable_notice(self->state.names[node], s)))
      return self->quit();
}

caf::behavior relay_impl(relay_ptr self, std::shared_ptr<guarded_handler> h,
                         std::vector<std::string> names) {
  self->state.handler = std::move(h);
  self->state.names = std::move(names);
  self->set_down_handler([=](caf::down_msg& msg) {
    for (auto& [node, remote] : self->state.nodes)
      if (remote.endpoint.address() == msg.source)
        return lose(self, node);
  });
  return {
      [=](subscribe_atom, subscription_target target, std::string& key,
          uint64_t node, cluster_endpoint_actor& endpoint) {
        auto& remote = self->state.nodes[node];
        if (remote.endpoint != endpoint) {
          if (remote.endpoint)
            self->demonitor(remote.endpoint.address());
          remote.endpoint = endpoint;
          self->monitor(endpoint);
        }
        remote.subs.emplace(target, key);
        self->send(endpoint, subscribe_atom::value, target, key,
                   caf::actor_cast<caf::actor>(self));
      },
      [=](unsubscribe_atom, subscription_target target, std::string& key,
          uint64_t node) {
        auto i = self->state.nodes.find(node);
        if (i == self->state.nodes.end())
          return;
        i->second.subs.erase({target, key});
        self->send(i->second.endpoint, unsubscribe_atom::value, target, key,
                   caf::actor_cast<caf::actor>(self));
      },
      [=](publish_atom, notice& n) {
        // An account's acknowledgement comes from this node's notifier;
        // the other nodes' copies of it are dropped.
        if (n.target == "user" && (n.kind == notice_kind::subscribed ||
                                   n.kind == notice_kind::unsubscribed))
          return;
        if (!(*self->state.handler)(n))
          self->quit();
      },
      [=](lost_atom, uint64_t node) { lose(self, node); },
  };
}

} // namespace

class cluster_subscriber final : public subscriber {
public:
  cluster_subscriber(std::shared_ptr<cluster_subscriptions::registry> reg,
                     std::shared_ptr<cluster_table> table, uint64_t id,
                     caf::actor relay, std::shared_ptr<guarded_handler> h,
                     std::unique_ptr<subscriber> local)
      : registry_(std::move(reg)), table_(std::move(table)), id_(id),
        relay_(std::move(relay)), handler_(std::move(h)),
        local_(std::move(local)) {}

  ~cluster_subscriber() override {
    std::lock_guard<std::mutex> guard{registry_->mtx};
    if (registry_->stopped)
      return;
    caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
    registry_->relays.erase(id_);
  }

  void subscribe(subscription_target target, const std::string& key) override {
    each_node(target, key, [&](std::size_t node) {
      auto endpoint = table_->endpoint(node);
      if (!endpoint)
        return (void)(*handler_)(
            unavailable_notice(table_->names()[node], {target, key}));
      send(subscribe_atom::value, target, key, static_cast<uint64_t>(node),
           *endpoint);
    });
    if (local_ && covers_local(target, key))
      local_->subscribe(target, key);
  }

  void unsubscribe(subscription_target target,
                   const std::string& key) override {
    each_node(target, key, [&](std::size_t node) {
      send(unsubscribe_atom::value, target, key, static_cast<uint64_t>(node));
    });
    if (local_ && covers_local(target, key))
      local_->unsubscribe(target, key);
  }

private:
  bool covers_local(subscription_target target, const std::string& key) const {
    const auto& t = *table_;
    return target == subscription_target::user ||
           t.owner_of(key) == t.self_index();
  }

  /// Calls `f` with each other node the subscription needs.
  template<class F>
  void each_node(subscription_target target, const std::string& key, F f) {
    const auto& t = *table_;
    if (target == subscription_target::intent) {
      auto owner = t.owner_of(key);
      if (owner != t.self_index())
        f(owner);
      return;
    }
    for (std::size_t node = 0; node < t.names().size(); ++node)
      if (node != t.self_index())
        f(node);
  }

  /// To the relay, unless the engine stopped.
  template<class... Ts>
  void send(Ts&&... xs) {
    std::lock_guard<std::mutex> guard{registry_->mtx};
    if (!registry_->stopped)
      caf::anon_send(relay_, std::forward<Ts>(xs)...);
  }

  std::shared_ptr<cluster_subscriptions::registry> registry_;
  std::shared_ptr<cluster_table> table_;
  uint64_t id_;
  caf::actor relay_;
  std::shared_ptr<guarded_handler> handler_;
  std::unique_ptr<subscriber> local_;
};

cluster_subscriptions::cluster_subscriptions(
    caf::actor_system& sys, std::shared_ptr<cluster_table> table,
    engine_core& local)
    : sys_(sys), table_(std::move(table)), local_(local) {}

std::unique_ptr<subscriber>
cluster_subscriptions::attach(notice_handler on_notice) {
  auto handler = std::make_shared<guarded_handler>(std::move(on_notice));
  auto local =
      local_.subscribe([handler](const notice& n) { return (*handler)(n); });
  if (!local)
    return nullptr;
  std::lock_guard<std::mutex> guard{registry_->mtx};
  if (registry_->stopped)
    return local;
  auto relay = sys_.spawn(relay_impl, handler, table_->names());
  auto id = ++registry_->next_id;
  registry_->relays.emplace(id, relay);
  return std::make_unique<cluster_subscriber>(registry_, table_, id, relay,
                                              handler, std::move(local));
}

void cluster_subscriptions::node_down(std::size_t node) {
  std::lock_guard<std::mutex> guard{registry_->mtx};
  for (const auto& [id, relay] : registry_->relays)
    caf::anon_send(relay, lost_atom::value, static_cast<uint64_t>(node));
}

void cluster_subscriptions::stop() {
  std::lock_guard<std::mutex> guard{registry_->mtx};
  registry_->stopped = true;
  for (const auto& [id, relay] : registry_->relays)
    caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
  registry_->relays.clear();
}

} // namespace intentd

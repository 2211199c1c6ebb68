#include "runtime/cluster/subscriptions.hpp"

#include <set>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/cluster/messages.hpp"
#include "runtime/cluster/owner_fallback.hpp"

namespace intentd {

namespace {

/// The subscriber's handler, called from the local notifier's thread and
/// the relay's: one call at a time, and none once it refused a notice. A
/// notice that `intercept` takes (true) is not handed over.
class guarded_handler {
public:
  explicit guarded_handler(notice_handler f) : f_(std::move(f)) {}

  void set_intercept(std::function<bool(const notice&)> f) {
    std::lock_guard<std::mutex> guard{mtx_};
    intercept_ = std::move(f);
  }

  bool operator()(const notice& n) {
    std::function<bool(const notice&)> intercept;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (refused_)
        return false;
      intercept = intercept_;
    }
    // Outside the lock: what it starts may hand over notices itself.
    if (intercept && intercept(n))
      return true;
    std::lock_guard<std::mutex> guard{mtx_};
    if (refused_)
      return false;
    refused_ = !f_(n);
    return !refused_;
  }

private:
  std::mutex mtx_;
  notice_handler f_;
  std::function<bool(const notice&)> intercept_;
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
      [=](lost_atom, subscription_target target, std::string& key,
          uint64_t node) {
        // Ended on `node` already (an intent it does not know).
        if (auto i = self->state.nodes.find(node); i != self->state.nodes.end())
          i->second.subs.erase({target, key});
      },
  };
}

} // namespace

/// What a subscriber shares with the answers of `locate`, which may come
/// after the subscriber is gone.
struct subscriber_core {
  std::shared_ptr<cluster_subscriptions::registry> registry;
  std::shared_ptr<cluster_table> table;
  uint64_t id = 0;
  caf::actor relay;
  std::shared_ptr<guarded_handler> handler;
  cluster_subscriptions::locate_fn locate;

  std::mutex mtx; // guards what follows
  bool closed = false;
  std::shared_ptr<subscriber> local;
  /// Intent subscriptions sent to an owner that may not know the intent
  /// (another node may hold it): its unknown_intent starts a search.
  std::set<std::string> at_owner;
  /// Intents whose holder is being looked for.
  std::set<std::string> searching;
  /// Intents followed on the node that holds them instead of their owner.
  std::map<std::string, std::size_t> held_at;

  /// To the relay, unless the engine stopped.
  template<class... Ts>
  void send(Ts&&... xs) {
    std::lock_guard<std::mutex> guard{registry->mtx};
    if (!registry->stopped)
      caf::anon_send(relay, std::forward<Ts>(xs)...);
  }

  /// The local engine's subscriber, to call without the lock (it may
  /// hand over a notice at once); none once the subscriber is gone.
  std::shared_ptr<subscriber> local_subscriber() {
    std::lock_guard<std::mutex> guard{mtx};
    return local;
  }

  /// Follows intent `key` on `node`, which holds it.
  void follow_at(std::size_t node, const std::string& key) {
    if (node == table->self_index()) {
      if (auto here = local_subscriber())
        here->subscribe(subscription_target::intent, key);
      return;
    }
    auto endpoint = table->endpoint(node);
    if (!endpoint) {
      (*handler)(unavailable_notice(table->names()[node],
                                    {subscription_target::intent, key}));
      return;
    }
    send(subscribe_atom::value, subscription_target::intent, key,
         static_cast<uint64_t>(node), *endpoint);
  }

  /// The owner's `unknown`: the node that holds the intent, if any, serves
  /// the subscription instead.
  static void search(const std::shared_ptr<subscriber_core>& self,
                     notice unknown) {
    auto key = unknown.key;
    std::weak_ptr<subscriber_core> weak = self;
    self->locate(
        key, [weak, unknown = std::move(unknown)](outcome<std::size_t> found) {
          auto core = weak.lock();
          if (!core)
            return;
          const auto& key = unknown.key;
          {
            std::lock_guard<std::mutex> guard{core->mtx};
            // Unsubscribed meanwhile, or the subscriber is gone.
            if (core->closed || core->searching.erase(key) == 0)
              return;
            if (found)
              core->held_at[key] = *found;
          }
          if (found) {
            // The owner ended its subscription with its unknown_intent:
            // its going down later is no news for this one.
            const auto& t = *core->table;
            if (auto owner = t.owner_of(key); owner != t.self_index())
              core->send(lost_atom::value, subscription_target::intent, key,
                         static_cast<uint64_t>(owner));
            return core->follow_at(*found, key);
          }
          const auto& p = found.error();
          if (p.code == errc::not_found)
            return (void)(*core->handler)(unknown);
          (*core->handler)(make_error_notice(
              could_not_ask(p) ? "node_unavailable" : "unavailable", p.message,
              "intent", key));
        });
  }

  /// True when `n` is an owner's unknown_intent that starts a search.
  static bool intercept(const std::shared_ptr<subscriber_core>& self,
                        const notice& n) {
    if (n.kind != notice_kind::error || n.code != "unknown_intent" ||
        n.target != "intent")
      return false;
    {
      std::lock_guard<std::mutex> guard{self->mtx};
      if (self->closed || self->at_owner.erase(n.key) == 0)
        return false;
      self->searching.insert(n.key);
    }
    search(self, n);
    return true;
  }
};

class cluster_subscriber final : public subscriber {
public:
  explicit cluster_subscriber(std::shared_ptr<subscriber_core> core)
      : core_(std::move(core)) {}

  ~cluster_subscriber() override {
    std::shared_ptr<subscriber> local;
    {
      std::lock_guard<std::mutex> guard{core_->mtx};
      core_->closed = true;
      local = std::move(core_->local);
    }
    local.reset();
    auto& reg = *core_->registry;
    std::lock_guard<std::mutex> guard{reg.mtx};
    if (reg.stopped)
      return;
    caf::anon_send_exit(core_->relay, caf::exit_reason::user_shutdown);
    reg.relays.erase(core_->id);
  }

  void subscribe(subscription_target target, const std::string& key) override {
    if (target == subscription_target::intent && moved(key))
      return;
    each_node(target, key, [&](std::size_t node) {
      auto endpoint = core_->table->endpoint(node);
      if (!endpoint)
        return (void)(*core_->handler)(
            unavailable_notice(core_->table->names()[node], {target, key}));
      core_->send(subscribe_atom::value, target, key,
                  static_cast<uint64_t>(node), *endpoint);
    });
    if (covers_local(target, key))
      with_local([&](subscriber& local) { local.subscribe(target, key); });
  }

  void unsubscribe(subscription_target target,
                   const std::string& key) override {
    if (target == subscription_target::intent && unmoved(key))
      return;
    each_node(target, key, [&](std::size_t node) {
      core_->send(unsubscribe_atom::value, target, key,
                  static_cast<uint64_t>(node));
    });
    if (covers_local(target, key))
      with_local([&](subscriber& local) { local.unsubscribe(target, key); });
  }

private:
  /// True when the subscription to intent `key` is served elsewhere than
  /// at its owner (followed at its holder, or its holder being looked
  /// for); otherwise notes that its owner's unknown_intent starts a search
  /// when another node may hold it.
  bool moved(const std::string& key) {
    const auto& t = *core_->table;
    std::optional<std::size_t> holder;
    {
      std::lock_guard<std::mutex> guard{core_->mtx};
      if (core_->searching.count(key) > 0)
        return true; // acknowledged once its holder is found
      if (auto i = core_->held_at.find(key); i != core_->held_at.end()) {
        holder = i->second;
      } else {
        if (core_->locate && !t.holders_besides_owner(key).empty())
          core_->at_owner.insert(key);
        return false;
      }
    }
    core_->follow_at(*holder, key);
    return true;
  }

  /// unsubscribe's counterpart of `moved`: true when handled here.
  bool unmoved(const std::string& key) {
    std::optional<std::size_t> holder;
    {
      std::lock_guard<std::mutex> guard{core_->mtx};
      core_->at_owner.erase(key);
      if (core_->searching.erase(key) > 0) {
        // The search's answer is dropped; nothing was subscribed yet.
        holder = std::nullopt;
      } else if (auto i = core_->held_at.find(key); i != core_->held_at.end()) {
        holder = i->second;
        core_->held_at.erase(i);
      } else {
        return false;
      }
    }
    if (!holder) {
      (*core_->handler)(make_subscribed_notice("intent", key, false));
      return true;
    }
    if (*holder == core_->table->self_index()) {
      with_local([&](subscriber& local) {
        local.unsubscribe(subscription_target::intent, key);
      });
      return true;
    }
    core_->send(unsubscribe_atom::value, subscription_target::intent, key,
                static_cast<uint64_t>(*holder));
    return true;
  }

  template<class F>
  void with_local(F f) {
    if (auto here = core_->local_subscriber())
      f(*here);
  }

  bool covers_local(subscription_target target, const std::string& key) const {
    const auto& t = *core_->table;
    return target == subscription_target::user ||
           t.owner_of(key) == t.self_index();
  }

  /// Calls `f` with each other node the subscription needs.
  template<class F>
  void each_node(subscription_target target, const std::string& key, F f) {
    const auto& t = *core_->table;
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

  std::shared_ptr<subscriber_core> core_;
};

cluster_subscriptions::cluster_subscriptions(
    caf::actor_system& sys, std::shared_ptr<cluster_table> table,
    engine_core& local, locate_fn locate)
    : sys_(sys), table_(std::move(table)), local_(local),
      locate_(std::move(locate)) {}

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
  auto core = std::make_shared<subscriber_core>();
  core->registry = registry_;
  core->table = table_;
  core->id = id;
  core->relay = relay;
  core->handler = handler;
  core->locate = locate_;
  core->local = std::move(local);
  std::weak_ptr<subscriber_core> weak = core;
  handler->set_intercept([weak](const notice& n) {
    auto core = weak.lock();
    return core && subscriber_core::intercept(core, n);
  });
  return std::make_unique<cluster_subscriber>(std::move(core));
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

#include "actors/notifier.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/request_timeout.hpp"

namespace intentd {

namespace {

using update_ptr = std::shared_ptr<const intent_update>;

/// Transitions held back while an intent subscription waits for its
/// current state; an intent makes only a few.
constexpr size_t max_buffered = 64;

struct pending_read {
  uint64_t generation = 0;
  std::vector<update_ptr> buffered;
};

struct subscriber {
  notice_sink sink;
  std::unordered_set<std::string> intents;
  std::unordered_set<std::string> users;
  /// The last seq sent per intent: the dedupe across subscriptions.
  std::unordered_map<std::string, uint64_t> last_seq;
  std::unordered_map<std::string, pending_read> pending;
};

using index = std::unordered_map<std::string, std::unordered_set<uint64_t>>;

struct notifier_state {
  notifier_options opts;
  caf::actor reader;
  std::unordered_map<uint64_t, subscriber> subs;
  index by_intent;
  index by_user;
  uint64_t subscriptions = 0;
  uint64_t generation = 0;
  uint64_t dropped = 0;
  uint64_t delivered = 0;
  static inline const char* name = "notifier";
};

using notifier_actor = caf::stateful_actor<notifier_state>;

void set_active(notifier_state& st) {
  if (st.opts.active)
    st.opts.active->store(st.subscriptions);
}

index& index_of(notifier_state& st, subscription_target t) {
  return t == subscription_target::user ? st.by_user : st.by_intent;
}

void unindex(index& idx, const std::string& key, uint64_t id) {
  auto i = idx.find(key);
  if (i == idx.end())
    return;
  i->second.erase(id);
  if (i->second.empty())
    idx.erase(i);
}

void detach(notifier_state& st, uint64_t id) {
  auto i = st.subs.find(id);
  if (i == st.subs.end())
    return;
  for (auto& key : i->second.intents)
    unindex(st.by_intent, key, id);
  for (auto& key : i->second.users)
    unindex(st.by_user, key, id);
  st.subscriptions -= i->second.intents.size() + i->second.users.size();
  st.subs.erase(i);
  set_active(st);
}

/// Hands a notice to a subscriber; a sink that refuses it is dropped.
bool push(notifier_state& st, uint64_t id, subscriber& sub, const notice& n) {
  if (sub.sink(n)) {
    ++st.delivered;
    return true;
  }
  ++st.dropped;
  detach(st, id);
  return false;
}

/// Sends an update unless this subscriber already has its seq or a later
/// one. False when the subscriber was dropped.
bool push_update(notifier_state& st, uint64_t id, subscriber& sub,
                 const notice& n) {
  auto& last = sub.last_seq[n.update->intent_id];
  if (n.update->seq <= last)
    return true;
  last = n.update->seq;
  return push(st, id, sub, n);
}

void add(notifier_state& st, subscriber& sub, uint64_t id,
         subscription_target t, const std::string& key) {
  auto& keys = t == subscription_target::user ? sub.users : sub.intents;
  keys.insert(key);
  index_of(st, t)[key].insert(id);
  ++st.subscriptions;
  set_active(st);
}

void remove(notifier_state& st, subscriber& sub, uint64_t id,
            subscription_target t, const std::string& key) {
  auto& keys = t == subscription_target::user ? sub.users : sub.intents;
  if (keys.erase(key) == 0)
    return;
  unindex(index_of(st, t), key, id);
  --st.subscriptions;
  set_active(st);
  if (t == subscription_target::intent) {
    sub.pending.erase(key);
    sub.last_seq.erase(key);
  }
}

void on_current_state(notifier_actor* self, uint64_t id, const std::string& key,
                      uint64_t generation, record_outcome r) {
  auto& st = self->state;
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return;
  auto& sub = s->second;
  auto p = sub.pending.find(key);
  if (p == sub.pending.end() || p->second.generation != generation)
    return; // unsubscribed meanwhile
  auto updates = std::move(p->second.buffered);
  sub.pending.erase(p);
  if (!r && updates.empty()) {
    remove(st, sub, id, subscription_target::intent, key);
    auto unknown = r.error().code == errc::not_found;
    push(st, id, sub,
         make_error_notice(unknown ? "unknown_intent" : "unavailable",
                           unknown ? "No intent with id " + key + "."
                                   : "The intent's state could not be read: " +
                                         r.error().message,
                           "intent", key));
    return;
  }
  if (!push(st, id, sub, make_subscribed_notice("intent", key)))
    return;
  if (r)
    updates.push_back(std::make_shared<const intent_update>(
        current_update(*r, st.opts.tokens)));
  std::stable_sort(
      updates.begin(), updates.end(),
      [](const update_ptr& a, const update_ptr& b) { return a->seq < b->seq; });
  for (auto& u : updates)
    if (!push_update(st, id, sub, make_update_notice(u)))
      return;
}

void subscribe(notifier_actor* self, uint64_t id, subscription_target t,
               const std::string& key) {
  auto& st = self->state;
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return;
  auto& sub = s->second;
  auto target = to_string(t);
  auto& keys = t == subscription_target::user ? sub.users : sub.intents;
  if (keys.count(key) > 0) {
    if (sub.pending.count(key) == 0) // else acknowledged once read
      push(st, id, sub, make_subscribed_notice(target, key));
    return;
  }
  if (sub.intents.size() + sub.users.size() >= st.opts.max_subscriptions) {
    push(st, id, sub,
         make_error_notice("too_many_subscriptions",
                           "At most " +
                               std::to_string(st.opts.max_subscriptions) +
                               " subscriptions per connection.",
                           target, key));
    return;
  }
  add(st, sub, id, t, key);
  if (t == subscription_target::user) {
    push(st, id, sub, make_subscribed_notice(target, key));
    return;
  }
  auto generation = ++st.generation;
  sub.pending[key].generation = generation;
  auto h = self->request(st.reader, st.opts.read_timeout, get_atom::value, key);
  h.then(
      [=, mid = h.id()](record_outcome& r) {
        drop_timeout(self, mid);
        on_current_state(self, id, key, generation, std::move(r));
      },
      [=, mid = h.id()](caf::error& err) {
        drop_timeout(self, mid);
        on_current_state(self, id, key, generation,
                         problem{errc::timeout, caf::to_string(err), {}});
      });
}

void unsubscribe(notifier_actor* self, uint64_t id, subscription_target t,
                 const std::string& key) {
  auto& st = self->state;
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return;
  auto& sub = s->second;
  auto target = to_string(t);
  auto& keys = t == subscription_target::user ? sub.users : sub.intents;
  if (keys.count(key) == 0) {
    push(st, id, sub,
         make_error_notice("not_subscribed",
                           std::string{"There is no subscription to this "} +
                               target + ".",
                           target, key));
    return;
  }
  remove(st, sub, id, t, key);
  push(st, id, sub, make_subscribed_notice(target, key, false));
}

void publish(notifier_actor* self, std::vector<intent_update>& updates) {
  auto& st = self->state;
  std::vector<uint64_t> ids;
  for (auto& raw : updates) {
    ids.clear();
    if (auto i = st.by_intent.find(raw.intent_id); i != st.by_intent.end())
      ids.insert(ids.end(), i->second.begin(), i->second.end());
    if (auto u = st.by_user.find(raw.user_account); u != st.by_user.end())
      ids.insert(ids.end(), u->second.begin(), u->second.end());
    if (ids.empty())
      continue;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    auto n = make_update_notice(
        std::make_shared<const intent_update>(std::move(raw)));
    const auto& u = *n.update;
    for (auto id : ids) {
      auto s = st.subs.find(id);
      if (s == st.subs.end())
        continue;
      auto& sub = s->second;
      if (auto p = sub.pending.find(u.intent_id); p != sub.pending.end()) {
        auto& buf = p->second.buffered;
        if (buf.size() >= max_buffered)
          buf.erase(buf.begin());
        buf.push_back(n.update);
        continue;
      }
      if (!push_update(st, id, sub, n))
        continue;
      // Seen through a user subscription only: forget it once final.
      if (is_terminal(u.status) && sub.intents.count(u.intent_id) == 0)
        sub.last_seq.erase(u.intent_id);
    }
  }
}

caf::behavior notifier_impl(notifier_actor* self, caf::actor reader,
                            notifier_options opts) {
  self->state.opts = std::move(opts);
  self->state.reader = std::move(reader);
  return {
      [=](attach_atom, uint64_t id, notice_sink& sink) {
        auto& sub = self->state.subs[id];
        sub.sink = std::move(sink);
      },
      [=](detach_atom, uint64_t id) { detach(self->state, id); },
      [=](subscribe_atom, uint64_t id, subscription_target t,
          const std::string& key) { subscribe(self, id, t, key); },
      [=](unsubscribe_atom, uint64_t id, subscription_target t,
          const std::string& key) { unsubscribe(self, id, t, key); },
      [=](publish_atom, std::vector<intent_update>& updates) {
        publish(self, updates);
      },
      [=](stats_atom) {
        auto& st = self->state;
        return notifier_stats{st.subs.size(), st.subscriptions, st.dropped,
                              st.delivered};
      },
  };
}

} // namespace

caf::actor spawn_notifier(caf::actor_system& sys, caf::actor reader,
                          notifier_options opts) {
  return sys.spawn(notifier_impl, std::move(reader), std::move(opts));
}

transition_hook
make_notifier_hook(caf::actor notifier,
                   std::shared_ptr<const token_registry> tokens,
                   std::shared_ptr<std::atomic<uint64_t>> active) {
  return [=](const intent_record& stored, uint64_t previous) {
    if (active && active->load() == 0)
      return;
    caf::anon_send(notifier, publish_atom::value,
                   updates_between(stored, previous, *tokens));
  };
}

} // namespace intentd

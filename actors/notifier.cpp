#include "actors/notifier.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/record_reader.hpp"
#include "actors/request_timeout.hpp"

namespace intentd {

namespace {

using update_ptr = std::shared_ptr<const intent_update>;

/// Transitions held back while a subscription waits for its current
/// state: an intent makes only a few; an account's intents may make many,
/// but more than a connection's queue holds would drop it anyway.
constexpr size_t max_buffered = 64;
constexpr size_t max_buffered_user = 256;

struct pending_read {
  uint64_t generation = 0;
  std::vector<update_ptr> buffered;
};

/// A subscriber as the notifier keeps it: its sink and what it follows.
struct attached_sink {
  notice_sink sink;
  std::unordered_set<std::string> intents;
  std::unordered_set<std::string> users;
  /// The last seq sent per intent: the dedupe across subscriptions.
  std::unordered_map<std::string, uint64_t> last_seq;
  /// Subscriptions waiting for their current state, by intent and user.
  std::unordered_map<std::string, pending_read> pending;
  std::unordered_map<std::string, pending_read> pending_users;
};

auto& pending_of(attached_sink& sub, subscription_target t) {
  return t == subscription_target::user ? sub.pending_users : sub.pending;
}

auto& keys_of(attached_sink& sub, subscription_target t) {
  return t == subscription_target::user ? sub.users : sub.intents;
}

using index = std::unordered_map<std::string, std::unordered_set<uint64_t>>;

struct notifier_state {
  notifier_options opts;
  record_reader_actor reader;
  std::unordered_map<uint64_t, attached_sink> subs;
  index by_intent;
  index by_user;
  uint64_t subscriptions = 0;
  uint64_t generation = 0;
  uint64_t dropped = 0;
  uint64_t delivered = 0;
  static inline const char* name = "notifier";
};

using notifier_self = notifier_actor::stateful_pointer<notifier_state>;

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
bool push(notifier_state& st, uint64_t id, attached_sink& sub,
          const notice& n) {
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
bool push_update(notifier_state& st, uint64_t id, attached_sink& sub,
                 const notice& n) {
  auto& last = sub.last_seq[n.update->intent_id];
  if (n.update->seq <= last)
    return true;
  last = n.update->seq;
  return push(st, id, sub, n);
}

void add(notifier_state& st, attached_sink& sub, uint64_t id,
         subscription_target t, const std::string& key) {
  auto& keys = keys_of(sub, t);
  keys.insert(key);
  index_of(st, t)[key].insert(id);
  ++st.subscriptions;
  set_active(st);
}

void remove(notifier_state& st, attached_sink& sub, uint64_t id,
            subscription_target t, const std::string& key) {
  auto& keys = keys_of(sub, t);
  if (keys.erase(key) == 0)
    return;
  unindex(index_of(st, t), key, id);
  --st.subscriptions;
  set_active(st);
  pending_of(sub, t).erase(key);
  if (t == subscription_target::intent)
    sub.last_seq.erase(key);
}

/// Sends a current state with the transitions held back while it was read,
/// in seq order and each seq once. Transitions seen through a user
/// subscription only are forgotten once final.
void flush(notifier_state& st, uint64_t id, attached_sink& sub,
           std::vector<update_ptr> updates) {
  std::stable_sort(
      updates.begin(), updates.end(),
      [](const update_ptr& a, const update_ptr& b) { return a->seq < b->seq; });
  for (auto& u : updates) {
    if (!push_update(st, id, sub, make_update_notice(u)))
      return;
    if (is_terminal(u->status) && sub.intents.count(u->intent_id) == 0)
      sub.last_seq.erase(u->intent_id);
  }
}

/// Ends the wait of subscription (t, key) for its current state: the
/// transitions it held back, or nullopt when it is gone or was made anew.
std::optional<std::vector<update_ptr>>
take_pending(notifier_state& st, uint64_t id, subscription_target t,
             const std::string& key, uint64_t generation) {
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return std::nullopt;
  auto& pending = pending_of(s->second, t);
  auto p = pending.find(key);
  if (p == pending.end() || p->second.generation != generation)
    return std::nullopt; // unsubscribed meanwhile
  auto updates = std::move(p->second.buffered);
  pending.erase(p);
  return updates;
}

void on_current_state(notifier_self self, uint64_t id, const std::string& key,
                      uint64_t generation, record_outcome r) {
  auto& st = self->state;
  auto held =
      take_pending(st, id, subscription_target::intent, key, generation);
  if (!held)
    return;
  auto& sub = st.subs.at(id);
  auto updates = std::move(*held);
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
  flush(st, id, sub, std::move(updates));
}

/// A user subscription's current state: its account's live intents. It was
/// acknowledged already; a failed read says so and the subscription stays.
void on_current_state(notifier_self self, uint64_t id, const std::string& key,
                      uint64_t generation, records_outcome r) {
  auto& st = self->state;
  auto held = take_pending(st, id, subscription_target::user, key, generation);
  if (!held)
    return;
  auto& sub = st.subs.at(id);
  std::vector<update_ptr> updates;
  if (r) {
    for (auto& rec : *r)
      updates.push_back(std::make_shared<const intent_update>(
          current_update(rec, st.opts.tokens)));
  } else if (!push(st, id, sub,
                   make_error_notice("unavailable",
                                     "The current state of this account's "
                                     "intents could not be read: " +
                                         r.error().message,
                                     "user", key))) {
    return;
  }
  updates.insert(updates.end(), held->begin(), held->end());
  flush(st, id, sub, std::move(updates));
}

/// Asks the reader for the current state of subscription (t, key), with
/// `xs` as the request; transitions covered by it wait until it answers.
template<class Outcome, class... Ts>
void read_current(notifier_self self, uint64_t id, subscription_target t,
                  const std::string& key, Ts... xs) {
  auto& st = self->state;
  auto generation = ++st.generation;
  pending_of(st.subs.at(id), t)[key].generation = generation;
  auto h = self->request(st.reader, st.opts.read_timeout, xs...);
  h.then(
      [=, mid = h.id()](Outcome& r) {
        drop_timeout(self, mid);
        on_current_state(self, id, key, generation, std::move(r));
      },
      [=, mid = h.id()](caf::error& err) {
        drop_timeout(self, mid);
        on_current_state(
            self, id, key, generation,
            Outcome{problem{errc::timeout, caf::to_string(err), {}}});
      });
}

void subscribe(notifier_self self, uint64_t id, subscription_target t,
               const std::string& key) {
  auto& st = self->state;
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return;
  auto& sub = s->second;
  auto target = to_string(t);
  auto& keys = keys_of(sub, t);
  if (keys.count(key) > 0) {
    // An intent waiting for its state is acknowledged once it is read.
    if (t == subscription_target::user || sub.pending.count(key) == 0)
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
  if (t == subscription_target::intent) {
    read_current<record_outcome>(self, id, t, key, get_atom::value, key);
    return;
  }
  if (!push(st, id, sub, make_subscribed_notice(target, key)))
    return;
  read_current<records_outcome>(self, id, t, key, live_atom::value, key,
                                st.opts.max_current_per_user);
}

void unsubscribe(notifier_self self, uint64_t id, subscription_target t,
                 const std::string& key) {
  auto& st = self->state;
  auto s = st.subs.find(id);
  if (s == st.subs.end())
    return;
  auto& sub = s->second;
  auto target = to_string(t);
  auto& keys = keys_of(sub, t);
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

/// Buffers `u` when the subscription to `key` waits for its current state;
/// true when a subscription to `key` exists and does not wait.
bool hold(std::unordered_map<std::string, pending_read>& pending,
          const std::unordered_set<std::string>& keys, const std::string& key,
          const update_ptr& u, size_t limit) {
  auto p = pending.find(key);
  if (p == pending.end())
    return keys.count(key) > 0;
  auto& buf = p->second.buffered;
  if (buf.size() >= limit)
    buf.erase(buf.begin());
  buf.push_back(u);
  return false;
}

void publish(notifier_self self, std::vector<intent_update>& updates) {
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
      // Held back by a subscription waiting for its current state, sent
      // now through one that is not.
      auto direct =
          hold(sub.pending, sub.intents, u.intent_id, n.update, max_buffered);
      direct |= hold(sub.pending_users, sub.users, u.user_account, n.update,
                     max_buffered_user);
      if (!direct || !push_update(st, id, sub, n))
        continue;
      // Seen through a user subscription only: forget it once final.
      if (is_terminal(u.status) && sub.intents.count(u.intent_id) == 0)
        sub.last_seq.erase(u.intent_id);
    }
  }
}

notifier_actor::behavior_type notifier_impl(notifier_self self,
                                            record_reader_actor reader,
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

notifier_actor spawn_notifier(caf::actor_system& sys,
                              record_reader_actor reader,
                              notifier_options opts) {
  return sys.spawn(notifier_impl, std::move(reader), std::move(opts));
}

// The transition hook runs on the intent's thread: it only turns a durable
// snapshot into updates and sends them to the notifier.
transition_hook
make_notifier_hook(notifier_actor notifier,
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

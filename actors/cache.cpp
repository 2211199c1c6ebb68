#include "actors/cache.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/messages.hpp"
#include "actors/request_timeout.hpp"

namespace intentd {

namespace {

size_t index_of(cache_level level, bool hit) {
  return static_cast<size_t>(level) * 2 + (hit ? 0 : 1);
}

std::optional<intent_status> status_on_chain(chain_intent_state s) {
  switch (s) {
  case chain_intent_state::reserved:
    return intent_status::verified;
  case chain_intent_state::executed:
    return intent_status::completed;
  case chain_intent_state::reverted:
    return intent_status::failed;
  case chain_intent_state::released:
    return intent_status::cancelled;
  case chain_intent_state::unknown:
    break;
  }
  return std::nullopt;
}

struct cache_state {
  static constexpr const char* name = "cache";
};

/// With the sweep it schedules for itself.
using cache_self_actor = cache_actor::extend<caf::reacts_to<tick_atom>>;

cache_self_actor::behavior_type
cache_impl(cache_self_actor::stateful_pointer<cache_state> self,
           std::shared_ptr<status_cache> cache, chain_actor chain,
           std::chrono::milliseconds interval,
           std::chrono::milliseconds call_timeout,
           std::function<time_us()> now) {
  self->delayed_send(self, interval, tick_atom::value);
  return {
      [=](tick_atom) {
        cache->sweep(now());
        self->delayed_send(self, interval, tick_atom::value);
      },
      [=](get_atom, const std::string& id) -> caf::result<record_outcome> {
        auto rp = self->make_response_promise<record_outcome>();
        auto ticket = cache->ticket(id);
        auto h = self->request(chain, call_timeout, get_atom::value, id);
        h.then(
            [=, mid = h.id()](record_outcome& r) mutable {
              drop_timeout(self, mid);
              cache->count(cache_level::chain, static_cast<bool>(r));
              if (!r) {
                rp.deliver(std::move(r));
                return;
              }
              auto rec = std::make_shared<const intent_record>(std::move(*r));
              cache->fill(id, rec, ticket, now());
              rp.deliver(record_outcome{*rec});
            },
            [=, mid = h.id()](caf::error& err) mutable {
              drop_timeout(self, mid);
              rp.deliver(record_outcome{problem{
                  errc::timeout,
                  "The chain did not answer in time: " + caf::to_string(err),
                  {}}});
            });
        return rp;
      },
  };
}

} // namespace

std::optional<intent_record>
record_from_chain(const std::string& id, chain_intent_state state,
                  const std::optional<chain_intent_info>& info,
                  const std::optional<chain_execution>& landed) {
  auto status = status_on_chain(state);
  if (!status)
    return std::nullopt;
  auto rec = chain_only_record(id, *status);
  if (info) {
    auto& in = rec.request;
    in.action = info->action;
    in.user_account = info->user_account;
    in.input_token = info->input_token;
    in.input_amount = info->input_amount;
    in.output_token = info->output_token;
    in.recipient = info->recipient;
    rec.created_at = info->first_seen;
    rec.updated_at = info->last_change;
    rec.history.push_back(
        history_entry{intent_status::verified, info->first_seen});
    if (*status != intent_status::verified)
      rec.history.push_back(history_entry{*status, info->last_change});
  }
  if (landed) {
    auto& ex = rec.execution;
    ex.attempts = 1;
    ex.transactions.push_back(
        transaction_info{landed->tx_hash, "simulated", "success"});
    ex.gas_used = landed->gas_used;
    ex.total_cost = landed->total_cost;
    if (rec.request.action == action_kind::swap)
      ex.output_amount = landed->credited;
  }
  return rec;
}

intent_record chain_only_record(const std::string& id, intent_status status) {
  intent_record rec;
  rec.request.id = id;
  rec.status = status;
  rec.status_message = "This node holds no record of the intent; the chain "
                       "reports it as " +
                       std::string{to_string(status)} + ".";
  return rec;
}

status_cache::status_cache(cache_settings s) : settings_(s) {
  auto per_shard = std::max<size_t>(1, settings_.capacity / shard_count);
  for (size_t i = 0; i < shard_count; ++i)
    shards_.push_back(std::make_unique<shard>(per_shard));
  for (auto& c : counts_)
    c = 0;
}

status_cache::shard& status_cache::shard_of(const std::string& id) const {
  return *shards_[std::hash<std::string>{}(id) % shard_count];
}

status_cache::record_ptr status_cache::find(const std::string& id,
                                            time_us now) {
  return find_with_body(id, now).rec;
}

status_cache::hit status_cache::find_with_body(const std::string& id,
                                               time_us now) {
  hit out;
  {
    auto& s = shard_of(id);
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto* e = s.table.find(id)) {
      if (e->expires > now)
        out = hit{e->rec, e->body};
      else
        s.table.erase(id);
    }
  }
  count(cache_level::memory, out.rec != nullptr);
  return out;
}

void status_cache::keep_body(const std::string& id, const record_ptr& rec,
                             body_ptr body) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto* e = s.table.find(id); e && e->rec == rec)
    e->body = std::move(body);
}

uint64_t status_cache::ticket(const std::string& id) const {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  return s.generation;
}

void status_cache::fill(const std::string& id, record_ptr rec, uint64_t ticket,
                        time_us now) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.generation != ticket)
    return;
  if (auto* e = s.table.find(id); e && e->rec && e->rec->seq > rec->seq)
    return;
  s.table.put(id, entry{std::move(rec), now + settings_.ttl, nullptr});
}

void status_cache::update(const intent_record& stored, time_us now) {
  auto& s = shard_of(stored.request.id);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.generation;
  auto* e = s.table.find(stored.request.id);
  if (e == nullptr || (e->rec && e->rec->seq > stored.seq))
    return;
  e->rec = std::make_shared<const intent_record>(stored);
  e->body = nullptr;
  e->expires = now + settings_.ttl;
}

void status_cache::erase(const std::string& id) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.generation;
  s.table.erase(id);
}

size_t status_cache::sweep(time_us now) {
  // Not strictly oldest-expiring first (reads reorder), but every expired
  // record left behind is refused by `find` and goes with the LRU bound.
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->table.drop_oldest_while(
        [now](const entry& e) { return e.expires <= now; });
  }
  return n;
}

void status_cache::count(cache_level level, bool hit) {
  counts_[index_of(level, hit)].fetch_add(1, std::memory_order_relaxed);
}

std::vector<cache_count> status_cache::counts() const {
  std::vector<cache_count> out;
  const char* names[] = {"memory", "storage", "chain"};
  for (size_t i = 0; i < 3; ++i)
    for (bool hit : {true, false})
      out.push_back({names[i], hit ? "hit" : "miss",
                     counts_[i * 2 + (hit ? 0 : 1)].load()});
  return out;
}

size_t status_cache::size() const {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->table.size();
  }
  return n;
}

cache_actor spawn_cache(caf::actor_system& sys,
                        std::shared_ptr<status_cache> cache, chain_actor chain,
                        std::chrono::milliseconds interval,
                        std::chrono::milliseconds call_timeout,
                        std::function<time_us()> now) {
  return sys.spawn(cache_impl, std::move(cache), std::move(chain), interval,
                   call_timeout, std::move(now));
}

} // namespace intentd

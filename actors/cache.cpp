#include "actors/cache.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/messages.hpp"
#include "actors/request_timeout.hpp"

namespace intentd {

namespace {

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
              auto rec = cache->own(std::move(*r));
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

cache_actor spawn_cache(caf::actor_system& sys,
                        std::shared_ptr<status_cache> cache, chain_actor chain,
                        std::chrono::milliseconds interval,
                        std::chrono::milliseconds call_timeout,
                        std::function<time_us()> now) {
  return sys.spawn(cache_impl, std::move(cache), std::move(chain), interval,
                   call_timeout, std::move(now));
}

} // namespace intentd

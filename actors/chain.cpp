#include "actors/chain.hpp"

#include <functional>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.hpp"

namespace intentd {

namespace {

struct chain_state {
  std::unique_ptr<chain_adapter> adapter;
  chain_options opts;
  uint64_t next_ticket = 0;
  std::unordered_map<uint64_t, std::function<void()>> in_flight;
  static inline const char* name = "chain";
};

using chain_actor = caf::stateful_actor<chain_state>;

template<class Result>
void answer_later(chain_actor* self, Result result) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  if (st.opts.latency.count() == 0) {
    rp.deliver(std::move(result));
    return;
  }
  auto ticket = st.next_ticket++;
  st.in_flight.emplace(ticket, [rp, result]() mutable { rp.deliver(result); });
  self->delayed_send(self, st.opts.latency, deliver_atom::value, ticket);
}

caf::behavior chain_impl(chain_actor* self, chain_adapter* adapter_ptr,
                         chain_options opts) {
  self->state.adapter.reset(adapter_ptr);
  self->state.opts = opts;
  auto* adapter = adapter_ptr;
  return {
      [=](verify_atom, const intent& in) {
        answer_later(self, adapter->verify(in));
      },
      [=](execute_atom, const intent& in, const std::string& solver) {
        answer_later(self, adapter->execute(in, solver));
      },
      [=](release_atom, const std::string& id) { adapter->release(id); },
      [=](status_atom, const std::string& id) {
        return adapter->intent_state(id);
      },
      [=](status_atom, const std::string& hash, tx_atom) {
        return adapter->tx_status(hash);
      },
      [=](deliver_atom, uint64_t ticket) {
        auto& flight = self->state.in_flight;
        auto i = flight.find(ticket);
        if (i == flight.end())
          return;
        auto deliver = std::move(i->second);
        flight.erase(i);
        deliver();
      },
  };
}

} // namespace

caf::actor spawn_chain(caf::actor_system& sys,
                       std::unique_ptr<chain_adapter> adapter,
                       chain_options opts) {
  return sys.spawn(chain_impl, adapter.release(), opts);
}

} // namespace intentd

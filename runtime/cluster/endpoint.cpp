#include "runtime/cluster/endpoint.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "config/cluster.hpp"
#include "runtime/cluster/near_cache.hpp"
#include "runtime/cluster/owner_fallback.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

/// A read by id as this node, the owner, answers it: its rendering, the
/// account, how long the answer cannot change (for the asking node's
/// near cache; unknown without the record: zero), and whether it is the
/// chain's word rather than a record held here.
rendered_reply answered_read(const engine_core& local, rendered_record r) {
  auto stable = r.record
                    ? stable_for(*r.record, local.config().storage.retention_s,
                                 wall_clock_now())
                    : std::chrono::microseconds::zero();
  const bool from_chain = r.record && chain_word(*r.record);
  return rendered_reply{*r.json, std::move(r.user_account), stable.count(),
                        from_chain};
}

/// The local engine's answer to a forwarded request, back on the actor.
using answer_atom = caf::atom_constant<caf::atom("answer")>;

using endpoint_impl_actor = cluster_endpoint_actor::extend<
    caf::reacts_to<answer_atom, uint64_t, caf::message>>;

struct endpoint_state {
  engine_core* local = nullptr;
  membership_actor membership;
  endpoint_options opts;
  uint64_t next_token = 0;
  /// Forwarded requests waiting for the engine, by token.
  std::unordered_map<uint64_t, std::function<void(caf::message&)>> waiting;
  /// Nonces reserved at this home node: account '\0' nonce -> the intent
  /// and until when it holds the nonce.
  struct reservation {
    std::string intent_id;
    caf::actor_clock::time_point until;
  };
  std::map<std::string, reservation> reservations;
  /// Nonces being checked; later requests for them wait here.
  std::map<std::string, std::vector<std::function<void()>>> resolving;
  /// Subscribers of other nodes, by the relay their notices go to.
  std::map<caf::actor_addr, std::unique_ptr<subscriber>> remote_subscribers;
  static inline const char* name = "cluster-endpoint";
};

using self_ptr = endpoint_impl_actor::stateful_pointer<endpoint_state>;

problem busy() {
  return problem{errc::overloaded,
                 "This node has too many forwarded requests in flight; retry "
                 "shortly.",
                 {}};
}

/// Runs `call` on the local engine with a callback that brings its answer
/// back to this actor, which delivers it to the node that asked. An answer
/// given before `call` returns (a read from the cache) is delivered at
/// once, without the trip through the mailbox.
template<class Out, class Call>
caf::typed_response_promise<Out> serve(self_ptr self, Call call) {
  auto rp = self->make_response_promise<Out>();
  auto& st = self->state;
  if (st.waiting.size() >= st.opts.max_waiting) {
    rp.deliver(Out{busy()});
    return rp;
  }
  struct early {
    std::mutex mtx;
    bool calling = true;
    std::optional<Out> out;
  };
  auto now = std::make_shared<early>();
  auto token = ++st.next_token;
  auto home = caf::actor_cast<caf::actor>(self);
  call([home, token, now](Out out) {
    {
      std::lock_guard<std::mutex> guard{now->mtx};
      if (now->calling) {
        now->out.emplace(std::move(out));
        return;
      }
    }
    caf::anon_send(home, answer_atom::value, token,
                   caf::make_message(std::move(out)));
  });
  std::unique_lock<std::mutex> guard{now->mtx};
  now->calling = false;
  if (now->out) {
    rp.deliver(std::move(*now->out));
    return rp;
  }
  guard.unlock();
  // The answer comes as a message, handled after this one.
  st.waiting.emplace(token, [rp](caf::message& msg) mutable {
    rp.deliver(msg.get_mutable_as<Out>(0));
  });
  return rp;
}

problem nonce_reused(const std::string& account, uint64_t nonce) {
  return problem{errc::nonce_reused,
                 "Nonce " + std::to_string(nonce) + " was used before by " +
                     account + "; sign the intent with a new nonce.",
                 {{"nonce", "was used before by this account"}}};
}

/// Makes room for one more reservation: drops the expired ones.
bool room_for_one(self_ptr self) {
  auto& st = self->state;
  if (st.reservations.size() < st.opts.max_reservations)
    return true;
  auto now = self->clock().now();
  for (auto i = st.reservations.begin(); i != st.reservations.end();)
    i = i->second.until <= now ? st.reservations.erase(i) : std::next(i);
  return st.reservations.size() < st.opts.max_reservations;
}

void reserve(self_ptr self, const std::string& account, uint64_t nonce,
             const std::string& id,
             caf::typed_response_promise<write_outcome> rp) {
  auto& st = self->state;
  auto key = account + '\0' + std::to_string(nonce);
  if (auto w = st.resolving.find(key); w != st.resolving.end()) {
    w->second.emplace_back(
        [=]() mutable { reserve(self, account, nonce, id, rp); });
    return;
  }
  auto now = self->clock().now();
  if (auto r = st.reservations.find(key);
      r != st.reservations.end() && r->second.until > now) {
    if (r->second.intent_id != id) {
      rp.deliver(write_outcome{nonce_reused(account, nonce)});
      return;
    }
    r->second.until = now + st.opts.reservation_ttl;
    rp.deliver(write_outcome{done{}});
    return;
  }
  if (!st.opts.nonce_anywhere || !room_for_one(self)) {
    rp.deliver(write_outcome{busy()});
    return;
  }
  st.resolving[key];
  auto token = ++st.next_token;
  st.waiting.emplace(token, [=](caf::message& msg) mutable {
    auto& st = self->state;
    auto owner = msg.get_as<nonce_owner_outcome>(0);
    auto waiters = std::move(st.resolving[key]);
    st.resolving.erase(key);
    if (!owner) {
      rp.deliver(write_outcome{owner.error()});
    } else if (owner->intent_id && *owner->intent_id != id) {
      rp.deliver(write_outcome{nonce_reused(account, nonce)});
    } else {
      st.reservations[key] = endpoint_state::reservation{
          id, self->clock().now() + st.opts.reservation_ttl};
      rp.deliver(write_outcome{done{}});
    }
    for (auto& w : waiters)
      w();
  });
  auto home = caf::actor_cast<caf::actor>(self);
  st.opts.nonce_anywhere(account, nonce, [home, token](nonce_owner_outcome r) {
    caf::anon_send(home, answer_atom::value, token,
                   caf::make_message(std::move(r)));
  });
}

endpoint_impl_actor::behavior_type endpoint_impl(self_ptr self,
                                                 engine_core* local,
                                                 membership_actor membership,
                                                 endpoint_options opts) {
  auto& st = self->state;
  st.local = local;
  st.membership = std::move(membership);
  st.opts = std::move(opts);
  self->set_down_handler([=](caf::down_msg& msg) {
    self->state.remote_subscribers.erase(msg.source);
  });
  return {
      [=](hello_atom, cluster_hello& theirs,
          cluster_endpoint_actor_fwd& caller) -> hello_outcome {
        const auto& ours = self->state.opts.hello;
        if (auto refused = hello_refusal(ours, theirs); !refused.empty()) {
          auto why = "node " + theirs.node + ": " + refused;
          spdlog::error("cluster: refusing {}", why);
          return problem{
              errc::conflict, "node " + ours.node + " refuses " + why, {}};
        }
        if (caller)
          self->send(self->state.membership, join_atom::value, theirs,
                     caf::actor_cast<cluster_endpoint_actor>(caller));
        return ours;
      },
      [=](ping_atom, const std::string&) {
        auto& o = self->state.opts;
        return cluster_pong{o.hello.node,
                            o.live_intents ? o.live_intents() : 0};
      },
      [=](submit_atom, intent& in, std::string& digest) {
        return serve<submit_outcome>(self, [=, in = std::move(in),
                                            digest = std::move(digest)](
                                               auto deliver) mutable {
          reply<submit_result> answer = [deliver](outcome<submit_result> r) {
            if (!r)
              return deliver(submit_outcome{r.error()});
            deliver(
                submit_outcome{submit_reply{std::move(r->record), r->created}});
          };
          const auto& owned = self->state.opts.submit_owned;
          if (owned)
            return owned(std::move(in), std::move(digest), std::move(answer));
          local->submit(std::move(in), std::move(digest), std::move(answer));
        });
      },
      [=](get_atom, const std::string& id) {
        return serve<record_outcome>(
            self, [=](auto deliver) { local->get(id, deliver); });
      },
      [=](get_atom, rendered_atom, const std::string& id) {
        return serve<rendered_outcome>(self, [=](auto deliver) {
          local->get_rendered(id, [local, deliver](outcome<rendered_record> r) {
            if (!r)
              return deliver(rendered_outcome{r.error()});
            deliver(rendered_outcome{answered_read(*local, std::move(*r))});
          });
        });
      },
      [=](cancel_atom, const std::string& id,
          std::optional<cancel_auth>& auth) {
        return serve<record_outcome>(
            self, [=](auto deliver) { local->cancel(id, auth, deliver); });
      },
      [=](tx_atom, const std::string& hash) {
        return serve<record_outcome>(
            self, [=](auto deliver) { local->find_by_tx(hash, deliver); });
      },
      [=](list_atom, list_query& q) {
        return serve<page_outcome>(
            self, [=](auto deliver) { local->list(q, deliver); });
      },
      [=](dead_atom, uint32_t limit) {
        return serve<records_outcome>(
            self, [=](auto deliver) { local->dead_letters(limit, deliver); });
      },
      [=](retry_atom, const std::string& id) {
        return serve<record_outcome>(
            self, [=](auto deliver) { local->retry_dead_letter(id, deliver); });
      },
      [=](purge_atom, const std::string& id) {
        return serve<record_outcome>(
            self, [=](auto deliver) { local->purge_dead_letter(id, deliver); });
      },
      [=](stats_atom) {
        return serve<solvers_outcome>(
            self, [=](auto deliver) { local->solvers(deliver); });
      },
      [=](nonce_atom, const std::string& account, uint64_t nonce) {
        return serve<nonce_owner_outcome>(self, [=](auto deliver) {
          local->nonce_owner(
              account, nonce, [deliver](outcome<std::optional<std::string>> r) {
                if (!r)
                  return deliver(nonce_owner_outcome{r.error()});
                deliver(nonce_owner_outcome{nonce_owner{std::move(*r)}});
              });
        });
      },
      [=](reserve_atom, const std::string& account, uint64_t nonce,
          const std::string& id) {
        auto rp = self->make_response_promise<write_outcome>();
        reserve(self, account, nonce, id, rp);
        return rp;
      },
      [=](rate_atom, uint8_t route, rate_subject& who, uint8_t keys) {
        // Counted here, at the keys' home: never sent on again.
        return serve<rate_outcome>(
            self, [=, who = std::move(who)](auto deliver) mutable {
              local->count_rate(
                  static_cast<rate_route>(route), std::move(who), keys,
                  [deliver](rate_decision d) { deliver(rate_outcome{d}); });
            });
      },
      [=](keys_atom, const std::string& account, const std::string& key) {
        // This node is the account's home: the key is kept here.
        return serve<key_added_outcome>(self, [=](auto deliver) {
          local->register_key(account, key, deliver);
        });
      },
      [=](keys_atom, const std::string& account) {
        return serve<key_set_outcome>(self, [=](auto deliver) {
          local->account_keys_of(
              account, [deliver](outcome<std::vector<std::string>> r) {
                if (!r)
                  return deliver(key_set_outcome{r.error()});
                deliver(key_set_outcome{account_key_set{std::move(*r)}});
              });
        });
      },
      [=](subscribe_atom, subscription_target target, const std::string& key,
          relay_handle& relay) {
        auto& subs = self->state.remote_subscribers;
        auto i = subs.find(relay.address());
        if (i == subs.end()) {
          auto sub = self->state.local->subscribe([relay](const notice& n) {
            caf::anon_send(relay, publish_atom::value, n);
            return true;
          });
          if (!sub)
            return;
          // The relay's node, or the relay, went away: so does this.
          self->monitor(relay);
          i = subs.emplace(relay.address(), std::move(sub)).first;
        }
        i->second->subscribe(target, key);
      },
      [=](unsubscribe_atom, subscription_target target, const std::string& key,
          relay_handle& relay) {
        auto& subs = self->state.remote_subscribers;
        if (auto i = subs.find(relay.address()); i != subs.end())
          i->second->unsubscribe(target, key);
      },
      [=](chain_atom, chain_call& call) {
        return serve<chain_outcome>(
            self, [=](auto deliver) { local->chain(call, deliver); });
      },
      [=](answer_atom, uint64_t token, caf::message& msg) {
        auto& waiting = self->state.waiting;
        auto i = waiting.find(token);
        if (i == waiting.end())
          return;
        auto deliver = std::move(i->second);
        waiting.erase(i);
        deliver(msg);
      },
  };
}

/// The endpoint_front's actor: runs its handler on the sender's thread.
/// Ended by `close`, as actor_companion::disconnect would (declared by CAF
/// 0.17.6 but not defined in its library).
class front_actor final : public caf::actor_companion {
public:
  using caf::actor_companion::actor_companion;

  void close() {
    on_enqueue({});
    cleanup(caf::exit_reason::user_shutdown, nullptr);
  }
};

front_actor* front_of(const caf::actor& handle) {
  return static_cast<front_actor*>(
      caf::actor_cast<caf::abstract_actor*>(handle));
}

/// True when `ptr`, a read by id, was answered from `local`'s memory.
bool answer_from_cache(engine_core& local, caf::strong_actor_ptr self,
                       const caf::mailbox_element& ptr) {
  const auto& content = ptr.content();
  if (!ptr.mid.is_request() || !ptr.sender || !ptr.stages.empty() ||
      !content.match_elements<get_atom, rendered_atom, std::string>())
    return false;
  auto r = local.cached_rendered(content.get_as<std::string>(2));
  if (!r)
    return false;
  ptr.sender->enqueue(
      std::move(self), ptr.mid.response_id(),
      caf::make_message(rendered_outcome{answered_read(local, std::move(*r))}),
      nullptr);
  return true;
}

/// True when `ptr` is a read_batch, answered: the reads `local` holds in
/// memory in one read_batch_reply to the sender, each other read handed to
/// `endpoint` as the single read of its token, which the endpoint answers
/// to the sender as a response to that token.
bool answer_batch(engine_core& local, const caf::strong_actor_ptr& self,
                  const caf::strong_actor_ptr& endpoint,
                  const caf::mailbox_element& ptr) {
  const auto& content = ptr.content();
  if (!content.match_elements<get_atom, rendered_atom, read_batch>())
    return false;
  if (!ptr.sender)
    return true;
  const auto& batch = content.get_as<read_batch>(2);
  const auto n = std::min(batch.tokens.size(), batch.ids.size());
  read_batch_reply answered;
  for (std::size_t i = 0; i < n; ++i) {
    auto r = local.cached_rendered(batch.ids[i]);
    if (!r) {
      endpoint->enqueue(ptr.sender, caf::make_message_id(batch.tokens[i]),
                        caf::make_message(get_atom::value, rendered_atom::value,
                                          batch.ids[i]),
                        nullptr);
      continue;
    }
    answered.tokens.push_back(batch.tokens[i]);
    answered.answers.emplace_back(answered_read(local, std::move(*r)));
  }
  if (!answered.tokens.empty())
    ptr.sender->enqueue(
        self, caf::make_message_id(),
        caf::make_message(rendered_atom::value, std::move(answered)), nullptr);
  // Tokens beyond the ids (another build's bug): each read they stand for
  // is answered at once as malformed, not left to the sender's timeout.
  for (std::size_t i = n; i < batch.tokens.size(); ++i)
    ptr.sender->enqueue(
        self, caf::make_message_id(batch.tokens[i]).response_id(),
        caf::make_message(caf::make_error(caf::sec::unexpected_message)),
        nullptr);
  return true;
}

} // namespace

endpoint_front::endpoint_front(caf::actor_system& sys, engine_core& local,
                               cluster_endpoint_actor endpoint) {
  self_ = sys.spawn<front_actor, caf::hidden>();
  auto me = caf::actor_cast<caf::actor_addr>(self_);
  auto to = caf::actor_cast<caf::strong_actor_ptr>(std::move(endpoint));
  front_of(self_)->on_enqueue([&local, to, me](caf::mailbox_element_ptr ptr) {
    if (!ptr)
      return;
    auto self = caf::actor_cast<caf::strong_actor_ptr>(me);
    if (answer_from_cache(local, self, *ptr) ||
        answer_batch(local, self, to, *ptr))
      return;
    to->enqueue(std::move(ptr), nullptr);
  });
}

endpoint_front::~endpoint_front() {
  close();
}

cluster_endpoint_actor endpoint_front::handle() const {
  return caf::actor_cast<cluster_endpoint_actor>(self_);
}

void endpoint_front::close() {
  if (!self_)
    return;
  front_of(self_)->close();
  self_ = caf::actor{};
}

cluster_endpoint_actor spawn_endpoint(caf::actor_system& sys,
                                      engine_core& local,
                                      membership_actor membership,
                                      endpoint_options opts) {
  return caf::actor_cast<cluster_endpoint_actor>(
      sys.spawn(endpoint_impl, &local, std::move(membership), std::move(opts)));
}

} // namespace intentd

#include "runtime/engine/admission.hpp"
#include "runtime/engine/engine.hpp"

#include <spdlog/spdlog.h>

#include "actors/chain_proxy.hpp"
#include "runtime/engine/engine_impl.hpp"
#include "runtime/engine/solver_views.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

problem engine_impl::unreachable(const caf::error& err) {
  return problem{errc::timeout,
                 "The engine did not answer in time: " + caf::to_string(err),
                 {}};
}

problem engine_impl::overloaded() {
  return problem{errc::overloaded,
                 "The engine has too many requests in flight; retry shortly.",
                 {}};
}

problem engine_impl::no_such_intent(const std::string& id) {
  return problem{errc::not_found, "No intent with id " + id + ".", {}};
}

void engine_impl::submit(intent in, std::string body_digest,
                         reply<submit_result> done) {
  submit(std::move(in), std::move(body_digest), nullptr, std::move(done));
}

outcome<std::string> engine_impl::prove_reader(const std::string& token) const {
  return gate_->check_read_token(token, wall_clock_now());
}

void engine_impl::prove_reader(const std::string& token,
                               reply<std::string> done) {
  auto verdict = gate_->judge_read_token(token, wall_clock_now());
  if (verdict.account || !verdict.key_unknown_to || !settings_.key_lookup)
    return done(std::move(verdict.account));
  // The keys registered over the API live at the account's home node: its
  // keys decide, and a home that cannot answer refuses, never admits.
  auto account = std::move(*verdict.key_unknown_to);
  settings_.key_lookup->ask(account,
                            [this, token, account, done = std::move(done)](
                                outcome<std::vector<std::string>> held) {
                              if (!held)
                                return done(held.error());
                              done(gate_->check_read_token_with(
                                  token, wall_clock_now(), account, *held));
                            });
}

void engine_impl::submit(intent in, std::string body_digest,
                         submit_admission admit, reply<submit_result> done) {
  auto refused = gate_->check_submit(in);
  if (refused && settings_.key_lookup &&
      signature_gate::keys_elsewhere_may_differ(*refused)) {
    // The keys registered over the API live at the account's home node:
    // its keys decide, and a home that cannot answer refuses, never
    // admits.
    auto account = in.user_account;
    settings_.key_lookup->ask(
        account,
        [this, in = std::move(in), body_digest = std::move(body_digest),
         admit = std::move(admit), done = std::move(done)](
            outcome<std::vector<std::string>> held) mutable {
          auto verdict = held ? gate_->check_submit_with(in, *held)
                              : std::optional<problem>{held.error()};
          submit_checked(std::move(verdict), std::move(in),
                         std::move(body_digest), std::move(admit),
                         std::move(done));
        });
    return;
  }
  submit_checked(std::move(refused), std::move(in), std::move(body_digest),
                 std::move(admit), std::move(done));
}

void engine_impl::submit_checked(std::optional<problem> refused, intent in,
                                 std::string body_digest,
                                 submit_admission admit,
                                 reply<submit_result> done) {
  if (refused) {
    outcome<submit_result> out{std::move(*refused)};
    metrics_->submitted(to_string(in.action), submit_status(out));
    return done(std::move(out));
  }
  // No 202 while the storage cannot take the intent's next transitions:
  // the store's or the chain's last write failed and none succeeded since.
  if (!commit_health_->writable()) {
    outcome<submit_result> out{problem{
        errc::storage_unavailable,
        "The storage is full or not writable; no intent is accepted until "
        "it takes writes again. Retry shortly.",
        {}}};
    metrics_->submitted(to_string(in.action), submit_status(out));
    return done(std::move(out));
  }
  after_admission(
      admit, std::move(in), std::move(body_digest),
      [this, done](intent in, std::string body_digest) {
        store_submission(std::move(in), std::move(body_digest), done);
      },
      done);
}

void engine_impl::store_submission(intent in, std::string body_digest,
                                   reply<submit_result> done) {
  ask<submit_outcome>(
      directory_,
      [done, m = metrics_,
       type = std::string{to_string(in.action)}](submit_outcome r) {
        outcome<submit_result> out = r ? outcome<submit_result>{submit_result{
                                             std::move(r->record), r->created}}
                                       : outcome<submit_result>{r.error()};
        m->submitted(type, submit_status(out));
        done(std::move(out));
      },
      [done, m = metrics_,
       type = std::string{to_string(in.action)}](outcome<submit_result> r) {
        m->submitted(type, submit_status(r));
        done(std::move(r));
      },
      submit_atom::value, std::move(in), std::move(body_digest));
}

void engine_impl::get(const std::string& id, reply<intent_record> done) {
  lookup(id, [done = std::move(done)](outcome<status_cache::hit> h) {
    if (!h)
      return done(h.error());
    done(intent_record{*h->rec});
  });
}

void engine_impl::get_rendered(const std::string& id,
                               reply<rendered_record> done) {
  lookup(id, [this, id, done = std::move(done)](outcome<status_cache::hit> h) {
    if (!h)
      return done(h.error());
    done(rendered_from(id, std::move(*h)));
  });
}

rendered_record engine_impl::rendered_from(const std::string& id,
                                           status_cache::hit h) {
  if (!h.body) {
    h.body = std::make_shared<const std::string>(
        render_record(*h.rec, settings_.tokens));
    cache_->keep_body(id, h.rec, h.body);
  }
  auto account = h.rec->request.user_account;
  return rendered_record{std::move(h.rec), std::move(h.body),
                         std::move(account)};
}

std::optional<rendered_record>
engine_impl::cached_rendered(const std::string& id) {
  if (!cache_->settings().enabled)
    return std::nullopt;
  // A miss is counted by the read that follows it (get_rendered).
  auto h = cache_->find_with_body(id, wall_clock_now(), false);
  if (!h.rec)
    return std::nullopt;
  return rendered_from(id, std::move(h));
}

void engine_impl::find_by_tx(const std::string& hash,
                             reply<intent_record> done) {
  auto id = store_->find_by_tx(hash);
  if (!id)
    return done(id.error());
  if (!*id)
    return done(problem{
        errc::not_found, "No intent with transaction " + hash + ".", {}});
  get(**id, std::move(done));
}

void engine_impl::cancel(const std::string& id, std::optional<cancel_auth> auth,
                         reply<intent_record> done) {
  if (gate_->checks_cancel(auth)) {
    auto found = store_->find(id);
    if (!found)
      return done(found.error());
    if (!*found)
      return done(no_such_intent(id));
    auto refused = gate_->check_cancel((*found)->request, auth);
    if (refused && settings_.key_lookup &&
        signature_gate::keys_elsewhere_may_differ(*refused)) {
      auto stored = (*found)->request;
      auto account = stored.user_account;
      settings_.key_lookup->ask(
          account,
          [this, id, stored = std::move(stored), auth, done = std::move(done)](
              outcome<std::vector<std::string>> held) mutable {
            if (!held)
              return done(held.error());
            if (auto p = gate_->check_cancel_with(stored, auth, *held))
              return done(std::move(*p));
            cancel_checked(id, std::move(done));
          });
      return;
    }
    if (refused)
      return done(std::move(*refused));
  }
  cancel_checked(id, std::move(done));
}

void engine_impl::cancel_checked(const std::string& id,
                                 reply<intent_record> done) {
  ask<record_outcome>(
      directory_, [done](record_outcome r) { done(std::move(r)); }, done,
      cancel_atom::value, id);
}

void engine_impl::register_key(const std::string& account,
                               const std::string& public_key_hex,
                               reply<bool> done) {
  auto added = gate_->register_key(account, public_key_hex);
  if (!added || !*added)
    return done(std::move(added));
  // New: kept in storage before the answer, so it survives a restart.
  auto raw = from_hex(public_key_hex).value_or("");
  storage_job job = [store = store_, account, raw] {
    return store->put_account_key(account, raw);
  };
  // A key that could not be stored is taken back, so that what the client
  // was told (an error) is what holds, now and after a restart.
  auto forget = [gate = gate_.get(), account, raw] {
    gate->unregister_key(account, raw);
  };
  ask<write_outcome>(
      writer_,
      [done, forget](write_outcome r) {
        if (!r) {
          forget();
          return done(r.error());
        }
        done(true);
      },
      [done, forget](outcome<bool> r) {
        // Overloaded: never sent. A timeout may still commit: kept.
        if (!r && r.error().code == errc::overloaded)
          forget();
        done(std::move(r));
      },
      write_atom::value, std::move(job));
}

void engine_impl::chain(chain_call call, reply<chain_reply> done) {
  if (settings_.chain_proxy)
    return done(problem{errc::not_found,
                        "This node does not host the chain; node " +
                            settings_.chain_proxy->node + " does.",
                        {}});
  if (stopped_)
    return done(problem{errc::overloaded, "This node is stopping.", {}});
  auto chain = chain_;
  auto timeout = call_timeout_;
  bridge_call ask =
      [chain, timeout, call = std::move(call),
       done = std::move(done)](caf::event_based_actor* self) mutable {
        ask_chain(self, chain, std::move(call), timeout, std::move(done));
      };
  caf::anon_send(bridge_, std::move(ask));
}

void engine_impl::dead_letters(uint32_t limit,
                               reply<std::vector<intent_record>> done) {
  done(store_->dead_letters(limit));
}

void engine_impl::retry_dead_letter(const std::string& id,
                                    reply<intent_record> done) {
  ask<record_outcome>(
      directory_, [done](record_outcome r) { done(std::move(r)); }, done,
      retry_atom::value, id);
}

void engine_impl::purge_dead_letter(const std::string& id,
                                    reply<intent_record> done) {
  ask<record_outcome>(
      directory_,
      [done, cache = cache_, id](record_outcome r) {
        if (r)
          cache->erase(id);
        done(std::move(r));
      },
      done, purge_atom::value, id);
}

void engine_impl::solvers(reply<std::vector<solver_view>> done) {
  // The pool, then the auction, each asked with the request timeout.
  ask<std::vector<solver_report>>(
      pool_,
      [this, done, auction = auction_](std::vector<solver_report> builtin) {
        if (!auction)
          return done(solver_views(builtin, {}));
        ask<std::vector<external_solver_report>>(
            auction,
            [done, builtin](std::vector<external_solver_report> external) {
              done(solver_views(builtin, external));
            },
            done, stats_atom::value);
      },
      done, stats_atom::value);
}

void engine_impl::nonce_owner(const std::string& account, uint64_t nonce,
                              reply<std::optional<std::string>> done) {
  ask<nonce_owner_outcome>(
      reader_,
      [done](nonce_owner_outcome r) {
        if (!r)
          return done(r.error());
        done(std::move(r->intent_id));
      },
      done, nonce_atom::value, account, nonce);
}

void engine_impl::lookup(const std::string& id, reply<status_cache::hit> done) {
  using hit = status_cache::hit;
  const auto& opts = cache_->settings();
  if (!opts.enabled) {
    auto stored = store_->find(id);
    if (!stored)
      return done(stored.error());
    if (auto& rec = *stored)
      return done(hit{cache_->own(std::move(*rec)), {}});
    return done(no_such_intent(id));
  }
  auto now = wall_clock_now();
  if (auto found = cache_->find_with_body(id, now); found.rec)
    return done(std::move(found));
  auto ticket = cache_->ticket(id);
  auto stored = store_->find(id);
  if (!stored)
    return done(stored.error());
  if (auto& rec = *stored) {
    cache_->count(cache_level::storage, true);
    auto ptr = cache_->own(std::move(*rec));
    cache_->fill(id, ptr, ticket, now);
    return done(hit{std::move(ptr), {}});
  }
  cache_->count(cache_level::storage, false);
  if (!opts.chain_fallback)
    return done(no_such_intent(id));
  ask<record_outcome>(
      cache_actor_,
      [done](record_outcome r) {
        if (!r)
          return done(r.error());
        done(hit{std::make_shared<const intent_record>(std::move(*r)), {}});
      },
      done, get_atom::value, id);
}

void engine_core::submit(intent in, std::string body_digest,
                         submit_admission admit, reply<submit_result> done) {
  after_admission(
      admit, std::move(in), std::move(body_digest),
      [this, done](intent in, std::string body_digest) {
        submit(std::move(in), std::move(body_digest), done);
      },
      done);
}

void engine_core::count_rate(rate_route route, rate_subject who, uint8_t keys,
                             std::function<void(rate_decision)> done) {
  auto limiter = rate_limits();
  if (!limiter)
    return done(rate_decision{});
  done(limiter->check(route, who, wall_clock_now(), keys));
}

void engine_core::get_rendered(const std::string& id,
                               reply<rendered_record> done) {
  get(id, [this, done = std::move(done)](outcome<intent_record> r) {
    if (!r)
      return done(r.error());
    auto json =
        std::make_shared<const std::string>(render_record(*r, tokens()));
    auto account = r->request.user_account;
    done(rendered_record{std::make_shared<const intent_record>(std::move(*r)),
                         std::move(json), std::move(account)});
  });
}

} // namespace intentd

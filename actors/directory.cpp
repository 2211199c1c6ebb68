#include "actors/directory.hpp"

#include <deque>
#include <limits>
#include <set>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/directory_state.hpp"
#include "actors/intent.hpp"
#include "actors/intent_log.hpp"
#include "actors/request_timeout.hpp"
#include "persistence/store_keys.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/transition.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

intent_record make_pending_record(intent in, std::string digest, time_us now) {
  intent_record rec;
  rec.request = std::move(in);
  rec.status = intent_status::pending;
  rec.status_message = status_message(rec.status, rec.request.action);
  rec.created_at = now;
  rec.updated_at = now;
  rec.history.push_back(history_entry{intent_status::pending, now});
  rec.seq = 1;
  rec.body_digest = std::move(digest);
  return rec;
}

namespace directory_detail {

using std::chrono::milliseconds;

void schedule_tick(directory_actor* self) {
  auto& st = self->state;
  if (st.deadlines.empty())
    return;
  auto first = st.deadlines.begin()->first;
  if (first >= st.next_tick)
    return;
  st.next_tick = first;
  auto delay = std::max<time_us>(first - st.deps->now(), 0);
  self->delayed_send(self, std::chrono::microseconds{delay}, tick_atom::value);
}

caf::actor activate(directory_actor* self, intent_record rec) {
  auto& st = self->state;
  auto id = rec.request.id;
  auto expires = rec.request.expires_at;
  auto handle = spawn_intent(self, std::move(rec), st.deps);
  auto entry =
      st.live.insert_or_assign(std::move(id), live_entry{handle, expires});
  st.ids[handle.id()] = &entry.first->first;
  st.deadlines.emplace(expires, handle.id());
  st.opts.live_actors.set(static_cast<double>(st.live.size()));
  schedule_tick(self);
  return handle;
}

void forget(directory_actor* self, const std::string& id) {
  auto& st = self->state;
  auto i = st.live.find(id);
  if (i == st.live.end())
    return;
  auto aid = i->second.handle.id();
  st.deadlines.erase({i->second.expires_at, aid});
  st.ids.erase(aid);
  st.live.erase(i);
  st.opts.live_actors.set(static_cast<double>(st.live.size()));
  if (auto n = st.nonce_of.find(id); n != st.nonce_of.end()) {
    st.nonces.erase(n->second);
    st.nonce_of.erase(n);
  }
}

/// Claims the nonce of a signed submission for its account: nonce_reused
/// when a live or stored intent of the account holds it already.
std::optional<problem> claim_nonce(directory_actor* self, const intent& in) {
  auto& st = self->state;
  if (in.signature.empty())
    return std::nullopt;
  auto key = keys::by_nonce(in.user_account, in.nonce);
  if (st.nonces.count(key) != 0 ||
      st.store->nonce_owner(in.user_account, in.nonce))
    return problem{errc::nonce_reused,
                   "Nonce " + std::to_string(in.nonce) +
                       " was used before by " + in.user_account +
                       "; sign the intent with a new nonce.",
                   {{"nonce", "was used before by this account"}}};
  st.nonces.insert(key);
  st.nonce_of.emplace(in.id, std::move(key));
  return std::nullopt;
}

/// Expires every live intent whose deadline has passed.
void on_tick(directory_actor* self) {
  auto& st = self->state;
  st.next_tick = std::numeric_limits<time_us>::max();
  auto now = st.deps->now();
  while (!st.deadlines.empty() && st.deadlines.begin()->first <= now) {
    auto aid = st.deadlines.begin()->second;
    st.deadlines.erase(st.deadlines.begin());
    if (auto i = st.ids.find(aid); i != st.ids.end())
      self->send(st.live.at(*i->second).handle, deadline_atom::value);
  }
  schedule_tick(self);
}

/// Restarts a crashed intent from storage, within the intensity limit.
void restart(directory_actor* self, const std::string& id,
             const caf::error& reason) {
  auto& st = self->state;
  auto rec = st.store->get(id);
  if (!rec || is_terminal(rec->status)) {
    st.restarts.erase(id);
    return;
  }
  auto now = st.deps->now();
  auto& log = st.restarts[id];
  auto window = std::chrono::duration_cast<std::chrono::microseconds>(
                    st.opts.restart_window)
                    .count();
  while (!log.empty() && log.front() < now - window)
    log.pop_front();
  if (log.size() >= st.opts.restart_limit) {
    log_intent(spdlog::level::err, log_fields(*rec),
               "intent {} crashed {} times within {} ms; failing it", id,
               log.size() + 1, st.opts.restart_window.count());
    st.restarts.erase(id);
    auto next = next_status(rec->status, intent_event::abandon);
    if (!next)
      return;
    rec->status = *next;
    rec->seq += 1;
    rec->updated_at = now;
    rec->history.push_back(history_entry{*next, now});
    rec->error =
        intent_error{"internal", "The engine could not process this intent. "
                                 "Retry it from the dead letters."};
    rec->status_message =
        status_message(rec->status, rec->request.action, &*rec->error);
    rec->dead_letter = true;
    auto stored = std::make_shared<intent_record>(std::move(*rec));
    auto h = self->request(st.deps->writer, st.deps->call_timeout,
                           write_atom::value, *stored);
    h.then(
        [=, mid = h.id()](write_outcome& r) {
          drop_timeout(self, mid);
          if (!r) {
            log_intent(spdlog::level::err, log_fields(*stored),
                       "intent {} could not be failed: {}", id,
                       r.error().message);
            return;
          }
          auto& hook = self->state.deps->on_transition;
          if (hook)
            hook(*stored, stored->seq - 1);
        },
        [=, mid = h.id()](caf::error& err) {
          drop_timeout(self, mid);
          log_intent(spdlog::level::err, log_fields(*stored),
                     "intent {} could not be failed: {}", id,
                     caf::to_string(err));
        });
    return;
  }
  log.push_back(now);
  log_intent(spdlog::level::warn, log_fields(*rec),
             "intent {} crashed ({}); restarting from its snapshot", id,
             caf::to_string(reason));
  auto handle = activate(self, std::move(*rec));
  self->send(handle, start_atom::value, intent_start::recovered);
}

problem no_such_intent(const std::string& id) {
  return problem{errc::not_found, "No intent with id " + id + ".", {}};
}

caf::behavior directory_impl(directory_actor* self,
                             std::shared_ptr<const intent_store> store,
                             intent_deps deps, directory_options opts) {
  auto& st = self->state;
  st.store = std::move(store);
  st.deps = std::make_shared<const intent_deps>(std::move(deps));
  st.opts = opts;
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (auto& [id, entry] : self->state.live)
      self->send_exit(entry.handle, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto i = st.ids.find(msg.source.id());
    if (i == st.ids.end())
      return;
    auto id = *i->second;
    forget(self, id);
    if (msg.reason && msg.reason != caf::exit_reason::normal)
      restart(self, id, msg.reason);
    else
      st.restarts.erase(id);
  });
  return {
      [=](submit_atom, intent& in, std::string& digest) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (in.id.empty())
          in.id = generate_intent_id();
        if (in.id.empty()) {
          rp.deliver(submit_outcome{
              problem{errc::internal,
                      "The server has no entropy for a fresh intent id; "
                      "retry, or send an id of your own.",
                      {}}});
          return rp;
        }
        if (auto i = st.live.find(in.id); i != st.live.end()) {
          rp.delegate(i->second.handle, resubmit_atom::value,
                      std::move(digest));
          return rp;
        }
        auto stored = st.store->find(in.id);
        if (!stored) {
          rp.deliver(submit_outcome{stored.error()});
          return rp;
        }
        if (auto& old = *stored) {
          if (old->body_digest == digest)
            rp.deliver(submit_outcome{submit_reply{std::move(*old), false}});
          else
            rp.deliver(submit_outcome{
                problem{errc::conflict,
                        "An intent with this id exists with a different body.",
                        {}}});
          return rp;
        }
        if (st.live.size() >= st.opts.max_live) {
          rp.deliver(submit_outcome{
              problem{errc::overloaded,
                      "Too many intents in flight; retry in a moment.",
                      {}}});
          return rp;
        }
        if (auto taken = claim_nonce(self, in)) {
          rp.deliver(submit_outcome{std::move(*taken)});
          return rp;
        }
        auto rec = make_pending_record(std::move(in), std::move(digest),
                                       st.deps->now());
        auto handle = activate(self, std::move(rec));
        rp.delegate(handle, start_atom::value, intent_start::fresh);
        return rp;
      },
      [=](cancel_atom a, const std::string& id) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (auto i = st.live.find(id); i != st.live.end()) {
          rp.delegate(i->second.handle, a);
          return rp;
        }
        auto stored = st.store->find(id);
        if (!stored) {
          rp.deliver(record_outcome{stored.error()});
        } else if (auto& old = *stored) {
          rp.deliver(record_outcome{problem{
              errc::not_cancellable,
              std::string{"The intent is "} + to_string(old->status) +
                  "; only pending or verified intents can be cancelled.",
              {}}});
        } else {
          rp.deliver(record_outcome{no_such_intent(id)});
        }
        return rp;
      },
      [=](retry_atom, const std::string& id) {
        auto rp = self->make_response_promise();
        retry_dead_letter(self, id, rp);
        return rp;
      },
      [=](purge_atom, const std::string& id) {
        auto rp = self->make_response_promise();
        purge_dead_letter(self, id, rp);
        return rp;
      },
      [=](recover_atom) {
        uint64_t count = 0;
        self->state.store->for_each_live([&](intent_record&& rec) {
          auto handle = activate(self, std::move(rec));
          self->send(handle, start_atom::value, intent_start::recovered);
          ++count;
        });
        spdlog::info("recovered {} live intents", count);
        return count;
      },
      [=](live_atom) { return static_cast<uint64_t>(self->state.live.size()); },
      [=](tick_atom) { on_tick(self); },
  };
}

} // namespace directory_detail

using namespace directory_detail;

caf::actor spawn_directory(caf::actor_system& sys,
                           std::shared_ptr<const intent_store> store,
                           intent_deps deps, directory_options opts) {
  return sys.spawn(directory_impl, std::move(store), std::move(deps), opts);
}

} // namespace intentd

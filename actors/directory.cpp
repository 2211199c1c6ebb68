#include "actors/directory.hpp"

#include <deque>
#include <limits>
#include <set>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
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

void schedule_tick(directory_self self) {
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

intent_actor activate(directory_self self, intent_record rec) {
  auto& st = self->state;
  auto id = rec.request.id;
  auto expires = rec.request.expires_at;
  auto handle = spawn_intent(self, std::move(rec), st.deps);
  auto entry =
      st.live.insert_or_assign(std::move(id), live_entry{handle, expires});
  st.ids[handle.id()] = &entry.first->first;
  st.deadlines.emplace(expires, handle.id());
  if (st.opts.on_live_count)
    st.opts.on_live_count(st.live.size());
  schedule_tick(self);
  return handle;
}

void forget(directory_self self, const std::string& id) {
  auto& st = self->state;
  auto i = st.live.find(id);
  if (i == st.live.end())
    return;
  auto aid = i->second.handle.id();
  st.deadlines.erase({i->second.expires_at, aid});
  st.ids.erase(aid);
  st.live.erase(i);
  if (st.opts.on_live_count)
    st.opts.on_live_count(st.live.size());
  if (auto n = st.nonce_of.find(id); n != st.nonce_of.end()) {
    st.nonces.erase(n->second);
    st.nonce_of.erase(n);
  }
}

/// Claims the nonce of a signed submission for its account: nonce_reused
/// when a live or stored intent of the account holds it already, the
/// storage's problem when the store cannot say (never a claim).
std::optional<problem> claim_nonce(directory_self self, const intent& in) {
  auto& st = self->state;
  if (in.signature.empty())
    return std::nullopt;
  auto key = keys::by_nonce(in.user_account, in.nonce);
  bool used = st.nonces.count(key) != 0;
  if (!used) {
    auto owner = st.store->nonce_owner(in.user_account, in.nonce);
    if (!owner) {
      auto p = owner.error();
      p.message = "The nonce check cannot read the storage; retry shortly. (" +
                  p.message + ")";
      return p;
    }
    used = owner->has_value();
  }
  if (used)
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
void on_tick(directory_self self) {
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
void restart(directory_self self, const std::string& id,
             const caf::error& reason) {
  auto& st = self->state;
  auto found = st.store->find(id);
  if (!found) {
    spdlog::error("intent {} crashed and its snapshot cannot be read, so it "
                  "is not restarted (it is recovered when intentd restarts): "
                  "{}",
                  id, found.error().message);
    st.restarts.erase(id);
    return;
  }
  auto& rec = *found;
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
  self->send(handle, start_atom::value, recover_atom::value);
}

problem no_such_intent(const std::string& id) {
  return problem{errc::not_found, "No intent with id " + id + ".", {}};
}

namespace {

/// Asks a live intent's actor and answers `rp` with its reply. An actor
/// that ended (its terminal record stored) and quit before the directory
/// heard of it answers nothing: `stored` then answers from the store.
template<class Outcome, class Stored, class... Ts>
void ask_live(directory_self self, const intent_actor& handle,
              caf::response_promise rp, Stored stored, Ts&&... xs) {
  auto h = self->request(handle, self->state.deps->call_timeout,
                         std::forward<Ts>(xs)...);
  h.then(
      [=, mid = h.id()](Outcome& r) mutable {
        drop_timeout(self, mid);
        rp.deliver(std::move(r));
      },
      [=, mid = h.id()](caf::error& err) mutable {
        drop_timeout(self, mid);
        if (err == caf::sec::request_receiver_down)
          return rp.deliver(stored());
        rp.deliver(
            Outcome{problem{errc::timeout,
                            "The intent did not answer: " + caf::to_string(err),
                            {}}});
      });
}

/// The answer to a submission of an id that is stored (the same body again,
/// or a conflict); nullopt when the id is not stored.
std::optional<submit_outcome> resubmit_stored(directory_self self,
                                              const std::string& id,
                                              const std::string& digest) {
  auto stored = self->state.store->find(id);
  if (!stored)
    return submit_outcome{stored.error()};
  auto& old = *stored;
  if (!old)
    return std::nullopt;
  if (old->body_digest == digest)
    return submit_outcome{submit_reply{std::move(*old), false}};
  return submit_outcome{
      problem{errc::conflict,
              "An intent with this id exists with a different body.",
              {}}};
}

/// The answer to cancelling an intent that is not live.
record_outcome cancel_stored(directory_self self, const std::string& id) {
  auto stored = self->state.store->find(id);
  if (!stored)
    return record_outcome{stored.error()};
  if (auto& old = *stored)
    return record_outcome{
        problem{errc::not_cancellable,
                std::string{"The intent is "} + to_string(old->status) +
                    "; only pending or verified intents can be cancelled.",
                {}}};
  return record_outcome{no_such_intent(id)};
}

} // namespace

directory_self_actor::behavior_type
directory_impl(directory_self self, std::shared_ptr<const intent_store> store,
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
      [=](submit_atom, intent& in,
          std::string& digest) -> caf::typed_response_promise<submit_outcome> {
        auto& st = self->state;
        auto rp = self->make_response_promise<submit_outcome>();
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
          ask_live<submit_outcome>(
              self, i->second.handle, rp,
              [self, id = in.id, digest] {
                auto again = resubmit_stored(self, id, digest);
                return again ? std::move(*again)
                             : submit_outcome{no_such_intent(id)};
              },
              resubmit_atom::value, digest);
          return rp;
        }
        if (auto again = resubmit_stored(self, in.id, digest)) {
          rp.deliver(std::move(*again));
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
        rp.delegate(handle, start_atom::value);
        return rp;
      },
      [=](cancel_atom a, const std::string& id)
          -> caf::typed_response_promise<record_outcome> {
        auto& st = self->state;
        auto rp = self->make_response_promise<record_outcome>();
        if (auto i = st.live.find(id); i != st.live.end()) {
          ask_live<record_outcome>(
              self, i->second.handle, rp,
              [=] { return cancel_stored(self, id); }, a);
          return rp;
        }
        rp.deliver(cancel_stored(self, id));
        return rp;
      },
      [=](retry_atom, const std::string& id)
          -> caf::typed_response_promise<record_outcome> {
        auto rp = self->make_response_promise<record_outcome>();
        retry_dead_letter(self, id, rp);
        return rp;
      },
      [=](purge_atom, const std::string& id)
          -> caf::typed_response_promise<record_outcome> {
        auto rp = self->make_response_promise<record_outcome>();
        purge_dead_letter(self, id, rp);
        return rp;
      },
      [=](recover_atom) -> caf::result<uint64_t> {
        auto count = self->state.store->for_each_live([&](intent_record&& rec) {
          auto handle = activate(self, std::move(rec));
          self->send(handle, start_atom::value, recover_atom::value);
        });
        if (!count)
          return caf::make_error(caf::sec::runtime_error,
                                 count.error().message);
        spdlog::info("recovered {} live intents", *count);
        return static_cast<uint64_t>(*count);
      },
      [=](live_atom) { return static_cast<uint64_t>(self->state.live.size()); },
      [=](tick_atom) { on_tick(self); },
  };
}

} // namespace directory_detail

using namespace directory_detail;

directory_actor spawn_directory(caf::actor_system& sys,
                                std::shared_ptr<const intent_store> store,
                                intent_deps deps, directory_options opts) {
  return sys.spawn(directory_impl, std::move(store), std::move(deps), opts);
}

} // namespace intentd

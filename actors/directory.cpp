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
  if (st.recovering)
    st.recovered.insert(id);
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
  drop_nonce(self, id);
}

void drop_nonce(directory_self self, const std::string& id) {
  auto& st = self->state;
  if (auto n = st.nonce_of.find(id); n != st.nonce_of.end()) {
    st.nonces.erase(n->second);
    st.nonce_of.erase(n);
  }
}

void end_read(directory_self self, const std::string& id) {
  auto& st = self->state;
  auto i = st.reading.find(id);
  if (i == st.reading.end())
    return;
  auto parked = std::move(i->second);
  st.reading.erase(i);
  for (auto& again : parked)
    again();
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

/// Restarts crashed intent `id` from its stored record `found`, within the
/// intensity limit.
void restart_from(directory_self self, const std::string& id,
                  const std::string& reason, stored_read found) {
  auto& st = self->state;
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
  if (st.live.count(id) != 0)
    return;
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
    auto h = timed_request(self, self->state.asked, st.deps->writer,
                           st.deps->call_timeout, write_atom::value, *stored);
    h.then(
        [=, mid = h.id()](write_outcome& r) {
          self->state.asked.drop(mid);
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
          self->state.asked.drop(mid);
          log_intent(spdlog::level::err, log_fields(*stored),
                     "intent {} could not be failed: {}", id,
                     caf::to_string(err));
        });
    return;
  }
  log.push_back(now);
  log_intent(spdlog::level::warn, log_fields(*rec),
             "intent {} crashed ({}); restarting from its snapshot", id,
             reason);
  auto handle = activate(self, std::move(*rec));
  self->send(handle, start_atom::value, recover_atom::value);
}

/// Restarts a crashed intent from storage, read through the reader; requests
/// for its id wait for the read.
void restart(directory_self self, const std::string& id,
             const caf::error& reason) {
  self->state.reading.emplace(id, std::vector<std::function<void()>>{});
  read_stored(self, id,
              [self, id, why = caf::to_string(reason)](stored_read found) {
                restart_from(self, id, why, std::move(found));
                end_read(self, id);
              });
}

problem no_such_intent(const std::string& id) {
  return problem{errc::not_found, "No intent with id " + id + ".", {}};
}

directory_self_actor::behavior_type
directory_impl(directory_self self, intent_deps deps, directory_options opts) {
  auto& st = self->state;
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
    if (auto w = st.after_exit.find(id); w != st.after_exit.end()) {
      auto waiting = std::move(w->second);
      st.after_exit.erase(w);
      for (auto& again : waiting)
        again();
    }
  });
  return {
      [=](submit_atom, intent& in,
          std::string& digest) -> caf::typed_response_promise<submit_outcome> {
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
        submit(self, std::move(in), std::move(digest), rp);
        return rp;
      },
      [=](cancel_atom, const std::string& id)
          -> caf::typed_response_promise<record_outcome> {
        auto rp = self->make_response_promise<record_outcome>();
        cancel(self, id, rp);
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
      [=](recover_atom) -> caf::typed_response_promise<uint64_t> {
        auto rp = self->make_response_promise<uint64_t>();
        recover(self, rp);
        return rp;
      },
      [=](live_atom) { return static_cast<uint64_t>(self->state.live.size()); },
      [=](tick_atom) { on_tick(self); },
  };
}

} // namespace directory_detail

using namespace directory_detail;

directory_actor spawn_directory(caf::actor_system& sys, intent_deps deps,
                                directory_options opts) {
  return sys.spawn(directory_impl, std::move(deps), std::move(opts));
}

} // namespace intentd

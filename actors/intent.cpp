#include "actors/intent.hpp"

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"
#include "actors/intent_state.hpp"
#include "actors/request_timeout.hpp"
#include "persistence/record_codec.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/transition.hpp"

namespace intentd::intent_detail {

/// The live record, decoded first if the actor was waiting.
intent_record& rec_of(intent_self self) {
  auto& st = self->state;
  if (!st.live) {
    auto decoded = decode_record(st.packed);
    if (!decoded) // its own encoding: only memory corruption gets here
      throw std::logic_error("intent record does not decode: " +
                             decoded.error().message);
    st.live = std::make_unique<intent_record>(std::move(*decoded));
    std::string{}.swap(st.packed);
  }
  return *st.live;
}

/// Encodes the record while the actor waits for the chain or a timer.
/// References from rec_of() die here.
void hibernate(intent_self self) {
  auto& st = self->state;
  if (!st.live)
    return;
  st.packed = encode_record(*st.live);
  st.packed.shrink_to_fit();
  st.live.reset();
}

const intent_error* error_of(const intent_record& rec) {
  return rec.error ? &*rec.error : nullptr;
}

std::string derived_message(const intent_record& rec) {
  return status_message(rec.status, rec.request.action, error_of(rec));
}

/// The live record holds no status message while it is the one its status,
/// action and error give (nearly always): it is filled in on the way out,
/// which saves an allocation per waiting intent. A stored message that says
/// something else is kept as it is.
void drop_derived_message(intent_record& rec) {
  if (rec.status_message == derived_message(rec))
    std::string{}.swap(rec.status_message);
}

/// The record as stored and answered: the live one with its status message.
intent_record snapshot(const intent_record& rec) {
  intent_record out = rec;
  if (out.status_message.empty())
    out.status_message = derived_message(out);
  return out;
}

/// Applies one event to the record; false when the table forbids it.
bool apply(intent_self self, intent_event ev) {
  auto& rec = rec_of(self);
  auto next = next_status(rec.status, ev);
  if (!next)
    return false;
  auto now = self->state.deps->now();
  auto fields = log_fields(rec);
  fields.status = to_string(*next);
  log_intent(spdlog::level::debug, fields, "intent {} {} -> {} on {}",
             rec.request.id, to_string(rec.status), to_string(*next),
             to_string(ev));
  rec.status = *next;
  rec.seq += 1;
  rec.updated_at = now;
  rec.history.push_back(history_entry{*next, now});
  std::string{}.swap(rec.status_message); // derived again: see snapshot()
  return true;
}

/// Ends the actor after a failed write. Whoever still waits for the first
/// durable answer learns why; the supervisor restarts the intent from its
/// last durable snapshot, if it has one.
void give_up(intent_self self, const problem& why) {
  auto& st = self->state;
  if (!st.durable) {
    auto p = problem{errc::storage_unavailable,
                     "The intent could not be stored: " + why.message,
                     {}};
    if (st.starter.pending())
      st.starter.deliver(submit_outcome{p});
    for (auto& rp : st.waiting)
      rp.deliver(submit_outcome{p});
    st.waiting.clear();
  }
  self->quit(caf::make_error(caf::sec::runtime_error, why.message));
}

/// Hands a durable snapshot to the transition hook once per new seq.
void publish(intent_self self, const intent_record& stored) {
  auto& st = self->state;
  if (stored.seq <= st.published)
    return;
  auto previous = st.published;
  st.published = stored.seq;
  if (st.deps->on_transition)
    st.deps->on_transition(stored, previous);
}

/// Writes the current snapshot; `then` runs once it is durable. While the
/// storage is unavailable (map or disk full, read-only) a durable intent
/// keeps its snapshot and writes it again later, with growing pauses;
/// nothing happens meanwhile. Any other failure ends the actor: its
/// supervisor restarts it from storage.
void persist(intent_self self, then_fn then, uint32_t failures) {
  auto& st = self->state;
  auto stored = std::make_shared<intent_record>(snapshot(rec_of(self)));
  // No timeout: the writer answers every write, with an error when the
  // storage fails, and CAF answers with an error if the writer is gone. A
  // timeout would cost two trips through the actor clock's thread per write.
  auto h =
      self->request(st.deps->writer, caf::infinite, write_atom::value, *stored);
  h.then(
      [=](write_outcome& r) {
        if (!r) {
          if (self->state.durable &&
              r.error().code == errc::storage_unavailable) {
            auto pause = std::chrono::milliseconds{
                std::min<uint32_t>(100u << std::min(failures, 6u), 5'000)};
            then_fn again = [=] { persist(self, then, failures + 1); };
            self->delayed_send(self, pause, deliver_atom::value,
                               std::move(again));
            return;
          }
          give_up(self, r.error());
          return;
        }
        publish(self, *stored);
        then();
      },
      [=](caf::error& err) {
        give_up(self,
                problem{errc::storage_unavailable, caf::to_string(err), {}});
      });
}

void finish(intent_self self) {
  auto& rec = rec_of(self);
  if (rec.status == intent_status::failed)
    log_intent(spdlog::level::warn, log_fields(rec), "intent {} failed: {}",
               rec.request.id,
               rec.error ? rec.error->message : "no reason given");
  self->quit();
}

void fail(intent_self self, intent_event ev, std::string code,
          std::string message, bool dead_letter) {
  auto& rec = rec_of(self);
  rec.error = intent_error{std::move(code), std::move(message)};
  rec.dead_letter = dead_letter;
  if (apply(self, ev))
    persist(self, [=] { finish(self); });
}

void release_on_chain(intent_self self) {
  self->send(self->state.deps->chain, release_atom::value,
             rec_of(self).request.id);
}

void became_durable(intent_self self) {
  auto& st = self->state;
  st.durable = true;
  for (auto& rp : st.waiting)
    rp.deliver(submit_outcome{submit_reply{snapshot(rec_of(self)), false}});
  st.waiting.clear();
}

void start_fresh(intent_self self, caf::response_promise rp) {
  persist(self, [=]() mutable {
    became_durable(self);
    rp.deliver(submit_outcome{submit_reply{snapshot(rec_of(self)), true}});
    verify(self);
  });
}

/// A new submission of an id the chain executed already (its record was
/// purged) is answered with the chain's record and never run again.
void check_chain_then_start(intent_self self, caf::response_promise rp) {
  auto& st = self->state;
  auto h = timed_request(self, self->state.deadlines, st.deps->chain,
                         st.deps->call_timeout, get_atom::value,
                         rec_of(self).request.id);
  h.then(
      [=, mid = h.id()](record_outcome& r) mutable {
        self->state.deadlines.drop(mid);
        if (!r || r->status != intent_status::completed)
          return start_fresh(self, rp);
        submit_outcome known{submit_reply{std::move(*r), false}};
        rp.deliver(known);
        for (auto& w : self->state.waiting)
          w.deliver(known);
        self->state.waiting.clear();
        self->quit();
      },
      [=, mid = h.id()](caf::error&) mutable {
        self->state.deadlines.drop(mid);
        start_fresh(self, rp);
      });
}

intent_self_actor::behavior_type
intent_impl(intent_self self, intent_record rec,
            std::shared_ptr<const intent_deps> deps) {
  auto& st = self->state;
  st.live = std::make_unique<intent_record>(std::move(rec));
  drop_derived_message(*st.live);
  st.deps = std::move(deps);
  st.rng = std::hash<std::string>{}(rec_of(self).request.id);
  return {
      // A new submission.
      [=](start_atom) -> caf::typed_response_promise<submit_outcome> {
        auto rp = self->make_response_promise<submit_outcome>();
        self->state.starter = rp;
        if (self->state.deps->ask_chain_first)
          check_chain_then_start(self, rp);
        else
          start_fresh(self, rp);
        return rp;
      },
      // A dead letter sent back to pending.
      [=](start_atom,
          retry_atom) -> caf::typed_response_promise<record_outcome> {
        // Its stored state is known already.
        self->state.published = rec_of(self).seq;
        auto rp = self->make_response_promise<record_outcome>();
        auto& rec = rec_of(self);
        rec.error.reset();
        rec.dead_letter = false;
        rec.execution.attempts = 0;
        if (!apply(self, intent_event::retry)) {
          rp.deliver(record_outcome{problem{
              errc::conflict, "Only failed intents can be retried.", {}}});
          self->quit();
          return rp;
        }
        persist(self, [=]() mutable {
          became_durable(self);
          rp.deliver(record_outcome{snapshot(rec_of(self))});
          verify(self);
        });
        return rp;
      },
      // Reactivated from storage; sent, not requested: nobody waits.
      [=](start_atom, recover_atom) {
        self->state.published = rec_of(self).seq;
        became_durable(self);
        resume(self);
      },
      [=](resubmit_atom,
          const std::string& digest) -> caf::result<submit_outcome> {
        auto& st = self->state;
        if (digest != rec_of(self).body_digest)
          return submit_outcome{
              problem{errc::conflict,
                      "An intent with this id exists with a different body.",
                      {}}};
        if (st.durable)
          return submit_outcome{submit_reply{snapshot(rec_of(self)), false}};
        auto rp = self->make_response_promise<submit_outcome>();
        st.waiting.emplace_back(rp);
        return rp;
      },
      [=](cancel_atom) -> caf::result<record_outcome> {
        auto& rec = rec_of(self);
        auto from = rec.status;
        if (!apply(self, intent_event::cancel))
          return record_outcome{problem{
              errc::not_cancellable,
              std::string{"The intent is "} + to_string(from) +
                  "; only pending or verified intents can be cancelled.",
              {}}};
        auto rp = self->make_response_promise<record_outcome>();
        persist(self, [=]() mutable {
          release_on_chain(self);
          rp.deliver(record_outcome{snapshot(rec_of(self))});
          finish(self);
        });
        return rp;
      },
      [=](deadline_atom) {
        if (rec_of(self).status == intent_status::executing)
          return;
        rec_of(self).error = intent_error{
            "expired", "The deadline passed before a solver could execute it."};
        if (apply(self, intent_event::deadline))
          persist(self, [=] {
            release_on_chain(self);
            finish(self);
          });
        else
          rec_of(self).error.reset();
      },
      [=](verify_atom) { verify(self); },
      [=](deliver_atom, then_fn& later) { later(); },
      [=](execute_atom) { attempt(self); },
      [=](get_atom) { return snapshot(rec_of(self)); },
  };
}

} // namespace intentd::intent_detail

namespace intentd {

using namespace intent_detail;

intent_actor spawn_intent(caf::local_actor* parent, intent_record rec,
                          std::shared_ptr<const intent_deps> deps) {
  return parent->spawn<caf::monitored>(intent_impl, std::move(rec), deps);
}

} // namespace intentd

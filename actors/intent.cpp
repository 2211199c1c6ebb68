#include "actors/intent.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"

#include "actors/request_timeout.hpp"
#include "persistence/record_codec.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/transition.hpp"

namespace intentd {

namespace {

struct intent_state {
  /// The record while the actor works on it; null while it waits, when the
  /// record is kept encoded in `packed` (a third of the memory).
  std::unique_ptr<intent_record> live;
  std::string packed;
  std::shared_ptr<const intent_deps> deps; // shared by every intent
  bool durable = false;
  uint32_t verify_attempts = 0;
  std::vector<caf::response_promise> waiting; // resubmissions before durable
  caf::response_promise starter;              // the submission, until durable
  uint64_t rng = 0;       // splitmix64 state, for backoff jitter
  uint64_t published = 0; // the last seq handed to on_transition
  static inline const char* name = "intent";
};

using intent_actor = caf::stateful_actor<intent_state>;
using then_fn = std::function<void()>;

/// The live record, decoded first if the actor was waiting.
intent_record& rec_of(intent_actor* self) {
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
void hibernate(intent_actor* self) {
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
bool apply(intent_actor* self, intent_event ev) {
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
void give_up(intent_actor* self, const problem& why) {
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
void publish(intent_actor* self, const intent_record& stored) {
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
void persist(intent_actor* self, then_fn then, uint32_t failures = 0) {
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

void finish(intent_actor* self) {
  auto& rec = rec_of(self);
  if (rec.status == intent_status::failed)
    log_intent(spdlog::level::warn, log_fields(rec), "intent {} failed: {}",
               rec.request.id,
               rec.error ? rec.error->message : "no reason given");
  self->quit();
}

void fail(intent_actor* self, intent_event ev, std::string code,
          std::string message, bool dead_letter) {
  auto& rec = rec_of(self);
  rec.error = intent_error{std::move(code), std::move(message)};
  rec.dead_letter = dead_letter;
  if (apply(self, ev))
    persist(self, [=] { finish(self); });
}

void release_on_chain(intent_actor* self) {
  self->send(self->state.deps->chain, release_atom::value,
             rec_of(self).request.id);
}

/// A uniform draw in [0, 1) from splitmix64: eight bytes of state per
/// intent instead of a full Mersenne Twister.
double uniform01(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

uint32_t backoff(intent_actor* self, uint32_t attempt) {
  return backoff_delay_ms(self->state.deps->retry, attempt,
                          uniform01(self->state.rng));
}

void attempt(intent_actor* self);
void verify(intent_actor* self);

void on_executed(intent_actor* self, execute_result r,
                 const std::string& solver) {
  auto& rec = rec_of(self);
  if (rec.status != intent_status::executing)
    return;
  auto& ex = rec.execution;
  ex.solver_id = solver;
  if (!r.tx_hash.empty())
    ex.transactions.push_back(transaction_info{
        r.tx_hash, "simulated",
        r.fault == chain_fault::none ? "success" : "reverted"});
  ex.gas_used += r.gas_used;
  ex.total_cost += r.total_cost;
  if (r.fault == chain_fault::none ||
      r.fault == chain_fault::already_executed) {
    if (r.output_amount)
      ex.output_amount = r.output_amount;
    apply(self, intent_event::execute_ok);
    persist(self, [=] { finish(self); });
    return;
  }
  if (!is_retryable(r.fault)) {
    fail(self, intent_event::execute_failed, to_string(r.fault),
         describe(r.fault), true);
    return;
  }
  if (!may_retry(self->state.deps->retry, ex.attempts)) {
    fail(self, intent_event::execute_failed, "retries_exhausted",
         "Every solver kept failing, " + std::to_string(ex.attempts) +
             " attempts in all (last: " + to_string(r.fault) +
             "). Nothing was executed; retry it from the dead letters.",
         true);
    return;
  }
  auto delay = std::chrono::milliseconds{backoff(self, ex.attempts)};
  persist(self, [=] {
    self->delayed_send(self, delay, execute_atom::value);
    hibernate(self);
  });
}

/// One execution attempt through the solver pool.
void attempt(intent_actor* self) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::executing)
    return;
  rec_of(self).execution.attempts += 1;
  auto h = self->request(st.deps->solvers, st.deps->call_timeout,
                         execute_atom::value, rec_of(self).request);
  h.then(
      [=, mid = h.id()](execute_result& r, std::string& solver) {
        drop_timeout(self, mid);
        on_executed(self, std::move(r), solver);
      },
      [=, mid = h.id()](caf::error&) {
        drop_timeout(self, mid);
        execute_result r;
        r.fault = chain_fault::timeout;
        on_executed(self, std::move(r), rec_of(self).execution.solver_id);
      });
  hibernate(self);
}

void dispatch(intent_actor* self) {
  if (apply(self, intent_event::dispatch))
    persist(self, [=] { attempt(self); });
}

void on_verified(intent_actor* self, verify_result r) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::pending) {
    // Cancelled or expired while the chain was busy: give funds back.
    if (r.fault == chain_fault::none && is_terminal(rec_of(self).status))
      release_on_chain(self);
    return;
  }
  if (r.fault == chain_fault::none) {
    // Verified and dispatched in one write: the solver call that follows is
    // the first effect either transition has.
    if (apply(self, intent_event::verify_ok) &&
        apply(self, intent_event::dispatch))
      persist(self, [=] { attempt(self); });
    return;
  }
  if (is_retryable(r.fault) && may_retry(st.deps->retry, st.verify_attempts)) {
    auto delay = std::chrono::milliseconds{backoff(self, st.verify_attempts)};
    self->delayed_send(self, delay, verify_atom::value);
    hibernate(self);
    return;
  }
  if (is_retryable(r.fault)) {
    fail(self, intent_event::verify_failed, "retries_exhausted",
         "The chain could not be reached to verify it after " +
             std::to_string(st.verify_attempts) +
             " attempts (last: " + to_string(r.fault) +
             "). Nothing was reserved; retry it from the dead letters.",
         true);
    return;
  }
  fail(self, intent_event::verify_failed, to_string(r.fault), describe(r.fault),
       false);
}

void verify(intent_actor* self) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::pending)
    return;
  st.verify_attempts += 1;
  auto h = self->request(st.deps->chain, st.deps->call_timeout,
                         verify_atom::value, rec_of(self).request);
  h.then(
      [=, mid = h.id()](verify_result& r) {
        drop_timeout(self, mid);
        on_verified(self, r);
      },
      [=, mid = h.id()](caf::error&) {
        drop_timeout(self, mid);
        on_verified(self, verify_result{chain_fault::timeout});
      });
  hibernate(self);
}

/// Picks up a recovered intent where its snapshot left it.
void resume(intent_actor* self) {
  auto& rec = rec_of(self);
  switch (rec.status) {
  case intent_status::pending:
    verify(self);
    break;
  case intent_status::verified:
    dispatch(self);
    break;
  case intent_status::executing: {
    // Ask the chain first: the last attempt may have landed before a crash.
    auto h =
        self->request(self->state.deps->chain, self->state.deps->call_timeout,
                      status_atom::value, rec.request.id, execute_atom::value);
    h.then(
        [=, mid = h.id()](std::optional<chain_execution>& landed) {
          drop_timeout(self, mid);
          if (!landed)
            return attempt(self);
          execute_result r;
          r.tx_hash = landed->tx_hash;
          r.gas_used = landed->gas_used;
          r.total_cost = landed->total_cost;
          if (rec_of(self).request.action == action_kind::swap)
            r.output_amount = landed->credited;
          // The attempt that landed was made but not yet counted.
          auto& attempts = rec_of(self).execution.attempts;
          attempts = std::max<uint32_t>(attempts, 1);
          on_executed(self, std::move(r), rec_of(self).execution.solver_id);
        },
        [=, mid = h.id()](caf::error&) {
          drop_timeout(self, mid);
          attempt(self);
        });
    hibernate(self);
    break;
  }
  default:
    self->quit();
  }
}

void became_durable(intent_actor* self) {
  auto& st = self->state;
  st.durable = true;
  for (auto& rp : st.waiting)
    rp.deliver(submit_outcome{submit_reply{snapshot(rec_of(self)), false}});
  st.waiting.clear();
}

caf::behavior intent_impl(intent_actor* self, intent_record rec,
                          std::shared_ptr<const intent_deps> deps) {
  auto& st = self->state;
  st.live = std::make_unique<intent_record>(std::move(rec));
  drop_derived_message(*st.live);
  st.deps = std::move(deps);
  st.rng = std::hash<std::string>{}(rec_of(self).request.id);
  return {
      [=](start_atom, intent_start mode) -> caf::response_promise {
        if (mode != intent_start::fresh) // its stored state is known already
          self->state.published = rec_of(self).seq;
        if (mode == intent_start::recovered) {
          // Sent, not requested: nobody waits for an answer.
          became_durable(self);
          resume(self);
          return {};
        }
        auto rp = self->make_response_promise();
        switch (mode) {
        case intent_start::fresh:
          self->state.starter = rp;
          persist(self, [=]() mutable {
            became_durable(self);
            rp.deliver(
                submit_outcome{submit_reply{snapshot(rec_of(self)), true}});
            verify(self);
          });
          break;
        case intent_start::retried: {
          auto& rec = rec_of(self);
          rec.error.reset();
          rec.dead_letter = false;
          rec.execution.attempts = 0;
          if (!apply(self, intent_event::retry)) {
            rp.deliver(record_outcome{problem{
                errc::conflict, "Only failed intents can be retried.", {}}});
            self->quit();
            break;
          }
          persist(self, [=]() mutable {
            became_durable(self);
            rp.deliver(record_outcome{snapshot(rec_of(self))});
            verify(self);
          });
          break;
        }
        case intent_start::recovered:
          break;
        }
        return rp;
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
        st.waiting.emplace_back(self->make_response_promise());
        return st.waiting.back();
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
        auto rp = self->make_response_promise();
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

} // namespace

caf::actor spawn_intent(caf::local_actor* parent, intent_record rec,
                        std::shared_ptr<const intent_deps> deps) {
  return parent->spawn<caf::monitored>(intent_impl, std::move(rec), deps);
}

} // namespace intentd

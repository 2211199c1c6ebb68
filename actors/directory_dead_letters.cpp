// Dead letters: retrying one (its actor restarts from the stored record)
// and purging one for good, one operation per id at a time.

#include <caf/typed_event_based_actor.hpp>

#include "actors/directory_state.hpp"
#include "actors/request_timeout.hpp"

namespace intentd::directory_detail {

namespace {

problem no_dead_letter() {
  return problem{errc::conflict, "The intent is not in the dead letters.", {}};
}

/// Starts a retry or purge of dead letter `id`: reads its record through the
/// reader, then calls `next` with the record, nullopt when there is none.
/// A read that fails or times out, or another retry or purge of `id` under
/// way, answers `rp` instead.
template<class Next>
void read_dead_letter(directory_self self, const std::string& id,
                      caf::response_promise rp, Next next) {
  auto& st = self->state;
  if (!st.dead_letter_ops.insert(id).second) {
    rp.deliver(record_outcome{no_dead_letter()});
    return;
  }
  read_stored(self, id, [=](stored_read r) mutable {
    if (r)
      return next(std::move(*r));
    self->state.dead_letter_ops.erase(id);
    rp.deliver(record_outcome{r.error()});
  });
}

/// Whether `old`, the stored record of an id whose actor is still live, is
/// an ended dead letter: its actor wrote it and is exiting. A retry or purge
/// then waits for the exit (once) instead of refusing.
bool exiting_dead_letter(directory_self self, const std::string& id,
                         const std::optional<intent_record>& old, bool waited) {
  auto& st = self->state;
  return !waited && old && old->dead_letter && is_terminal(old->status) &&
         st.live.count(id) != 0 &&
         st.after_exit[id].size() < directory_state::max_parked;
}

void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp, bool waited);
void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp, bool waited);

void retry_read(directory_self self, const std::string& id,
                std::optional<intent_record> old, caf::response_promise rp,
                bool waited) {
  auto& st = self->state;
  st.dead_letter_ops.erase(id);
  if (exiting_dead_letter(self, id, old, waited)) {
    st.after_exit[id].emplace_back(
        [=] { retry_dead_letter(self, id, rp, true); });
  } else if (!old) {
    rp.deliver(record_outcome{no_such_intent(id)});
  } else if (st.live.count(id) || !old->dead_letter) {
    rp.deliver(record_outcome{no_dead_letter()});
  } else {
    auto handle = activate(self, std::move(*old));
    rp.delegate(handle, start_atom::value, retry_atom::value);
  }
}

void purge_read(directory_self self, const std::string& id,
                std::optional<intent_record> old, caf::response_promise rp,
                bool waited) {
  auto& st = self->state;
  if (exiting_dead_letter(self, id, old, waited)) {
    st.dead_letter_ops.erase(id);
    st.after_exit[id].emplace_back(
        [=] { purge_dead_letter(self, id, rp, true); });
    return;
  }
  if (!old || st.live.count(id) || !old->dead_letter ||
      !st.opts.purge_dead_letter) {
    st.dead_letter_ops.erase(id);
    rp.deliver(record_outcome{old ? no_dead_letter() : no_such_intent(id)});
    return;
  }
  auto purged = std::make_shared<bool>(false);
  storage_job job = [purge = st.opts.purge_dead_letter, id,
                     purged]() -> write_outcome {
    auto r = purge(id);
    if (!r)
      return r.error();
    *purged = *r;
    return done{};
  };
  auto stored = std::make_shared<const intent_record>(std::move(*old));
  auto h =
      timed_request(self, self->state.asked, st.deps->writer,
                    st.deps->call_timeout, write_atom::value, std::move(job));
  h.then(
      [=, mid = h.id()](write_outcome& r) mutable {
        self->state.asked.drop(mid);
        self->state.dead_letter_ops.erase(id);
        if (!r)
          rp.deliver(record_outcome{r.error()});
        else if (!*purged)
          rp.deliver(record_outcome{no_dead_letter()});
        else
          rp.deliver(record_outcome{*stored});
      },
      [=, mid = h.id()](caf::error& err) mutable {
        self->state.asked.drop(mid);
        self->state.dead_letter_ops.erase(id);
        rp.deliver(
            record_outcome{problem{errc::timeout, caf::to_string(err), {}}});
      });
}

void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp, bool waited) {
  read_dead_letter(self, id, rp, [=](std::optional<intent_record> old) {
    retry_read(self, id, std::move(old), rp, waited);
  });
}

void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp, bool waited) {
  read_dead_letter(self, id, rp, [=](std::optional<intent_record> old) {
    purge_read(self, id, std::move(old), rp, waited);
  });
}

} // namespace

void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp) {
  retry_dead_letter(self, id, std::move(rp), false);
}

void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp) {
  purge_dead_letter(self, id, std::move(rp), false);
}

} // namespace intentd::directory_detail

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

void retry_read(directory_self self, const std::string& id,
                std::optional<intent_record> old, caf::response_promise rp) {
  auto& st = self->state;
  st.dead_letter_ops.erase(id);
  if (!old) {
    rp.deliver(record_outcome{no_such_intent(id)});
  } else if (st.live.count(id) || !old->dead_letter) {
    rp.deliver(record_outcome{no_dead_letter()});
  } else {
    auto handle = activate(self, std::move(*old));
    rp.delegate(handle, start_atom::value, retry_atom::value);
  }
}

void purge_read(directory_self self, const std::string& id,
                std::optional<intent_record> old, caf::response_promise rp) {
  auto& st = self->state;
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
  auto h = self->request(st.deps->writer, st.deps->call_timeout,
                         write_atom::value, std::move(job));
  h.then(
      [=, mid = h.id()](write_outcome& r) mutable {
        drop_timeout(self, mid);
        self->state.dead_letter_ops.erase(id);
        if (!r)
          rp.deliver(record_outcome{r.error()});
        else if (!*purged)
          rp.deliver(record_outcome{no_dead_letter()});
        else
          rp.deliver(record_outcome{*stored});
      },
      [=, mid = h.id()](caf::error& err) mutable {
        drop_timeout(self, mid);
        self->state.dead_letter_ops.erase(id);
        rp.deliver(
            record_outcome{problem{errc::timeout, caf::to_string(err), {}}});
      });
}

} // namespace

void retry_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp) {
  read_dead_letter(self, id, rp, [=](std::optional<intent_record> old) {
    retry_read(self, id, std::move(old), rp);
  });
}

void purge_dead_letter(directory_self self, const std::string& id,
                       caf::response_promise rp) {
  read_dead_letter(self, id, rp, [=](std::optional<intent_record> old) {
    purge_read(self, id, std::move(old), rp);
  });
}

} // namespace intentd::directory_detail

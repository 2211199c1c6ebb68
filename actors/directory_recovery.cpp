// Recovery: the live records in storage, read page by page through the
// record reader (off the cooperative scheduler), each page's intents
// reactivated before the next page is asked for.

#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/directory_state.hpp"
#include "actors/request_timeout.hpp"

namespace intentd::directory_detail {

namespace {

void end_recovery(directory_self self) {
  auto& st = self->state;
  st.recovering = false;
  st.recovered.clear();
}

void fail_recovery(directory_self self,
                   caf::typed_response_promise<uint64_t> rp,
                   const std::string& why) {
  end_recovery(self);
  rp.deliver(caf::make_error(caf::sec::runtime_error, why));
}

/// Reactivates the records of one page; returns how many.
uint64_t activate_page(directory_self self, live_page& page) {
  auto& st = self->state;
  uint64_t count = 0;
  for (auto& rec : page.records) {
    const auto& id = rec.request.id;
    // Met on an earlier page (and since moved on by its actor), or live
    // by another way: its actor holds a newer state than this snapshot.
    if (st.recovered.count(id) != 0 || st.live.count(id) != 0)
      continue;
    auto handle = activate(self, std::move(rec));
    self->send(handle, start_atom::value, recover_atom::value);
    ++count;
  }
  return count;
}

/// Asks the reader for the page after `after` and goes on with the next
/// one until none is left; `count` intents were reactivated so far.
void next_page(directory_self self, std::string after, uint64_t count,
               caf::typed_response_promise<uint64_t> rp) {
  auto& st = self->state;
  auto h = timed_request(self, self->state.asked, st.opts.reader,
                         st.deps->call_timeout, recover_atom::value, after,
                         st.opts.recovery_page);
  h.then(
      [=, mid = h.id()](live_page_outcome& r) mutable {
        self->state.asked.drop(mid);
        if (!r) {
          fail_recovery(self, rp, r.error().message);
          return;
        }
        count += activate_page(self, *r);
        if (r->more && r->next == after) {
          fail_recovery(self, rp,
                        "recovery cannot read the live intents: the record "
                        "reader answered the same page again");
          return;
        }
        if (r->more) {
          next_page(self, std::move(r->next), count, rp);
          return;
        }
        end_recovery(self);
        spdlog::info("recovered {} live intents", count);
        rp.deliver(count);
      },
      [=, mid = h.id()](caf::error& err) mutable {
        self->state.asked.drop(mid);
        fail_recovery(self, rp,
                      "recovery cannot read the live intents: the record "
                      "reader did not answer: " +
                          caf::to_string(err));
      });
}

} // namespace

void recover(directory_self self, caf::typed_response_promise<uint64_t> rp) {
  auto& st = self->state;
  if (st.recovering) {
    rp.deliver(caf::make_error(caf::sec::runtime_error,
                               "recovery is already running"));
    return;
  }
  st.recovering = true;
  next_page(self, std::string{}, 0, rp);
}

} // namespace intentd::directory_detail

// Submissions and cancellations: each goes to the live actor of its id, or
// is answered from the stored record, read through the record reader. A
// submission of an unknown id activates an actor once its id and its nonce
// are read as unused; requests for the id that come meanwhile wait.

#include <caf/typed_event_based_actor.hpp>

#include "actors/directory_state.hpp"
#include "actors/request_timeout.hpp"
#include "persistence/store_keys.hpp"

namespace intentd::directory_detail {

namespace {

problem overloaded() {
  return problem{
      errc::overloaded, "Too many intents in flight; retry in a moment.", {}};
}

problem nonce_reused(const std::string& user, uint64_t nonce) {
  return problem{errc::nonce_reused,
                 "Nonce " + std::to_string(nonce) + " was used before by " +
                     user + "; sign the intent with a new nonce.",
                 {{"nonce", "was used before by this account"}}};
}

/// Asks a live intent's actor and answers `rp` with its reply. An actor
/// that ended (its terminal record stored) and quit before the directory
/// heard of it answers nothing: `stored(rp)` then answers from the store.
template<class Outcome, class Stored, class... Ts>
void ask_live(directory_self self, const intent_actor& handle,
              caf::response_promise rp, Stored stored, Ts&&... xs) {
  auto h =
      timed_request(self, self->state.asked, handle,
                    self->state.deps->call_timeout, std::forward<Ts>(xs)...);
  h.then(
      [=, mid = h.id()](Outcome& r) mutable {
        self->state.asked.drop(mid);
        rp.deliver(std::move(r));
      },
      [=, mid = h.id()](caf::error& err) mutable {
        self->state.asked.drop(mid);
        if (err == caf::sec::request_receiver_down) {
          stored(rp);
          return;
        }
        rp.deliver(
            Outcome{problem{errc::timeout,
                            "The intent did not answer: " + caf::to_string(err),
                            {}}});
      });
}

/// The answer to a submission of an id that is stored: the same body
/// again, or a conflict.
submit_outcome resubmit_answer(intent_record old, const std::string& digest) {
  if (old.body_digest == digest)
    return submit_outcome{submit_reply{std::move(old), false}};
  return submit_outcome{
      problem{errc::conflict,
              "An intent with this id exists with a different body.",
              {}}};
}

/// Answers a submission of `id` from its stored record.
void resubmit_stored(directory_self self, const std::string& id,
                     const std::string& digest, caf::response_promise rp) {
  read_stored(self, id, [=](stored_read r) mutable {
    if (!r)
      rp.deliver(submit_outcome{r.error()});
    else if (!*r)
      rp.deliver(submit_outcome{no_such_intent(id)});
    else
      rp.deliver(resubmit_answer(std::move(**r), digest));
  });
}

/// Answers the cancellation of an intent that is not live.
void cancel_stored(directory_self self, const std::string& id,
                   caf::response_promise rp) {
  read_stored(self, id, [=](stored_read r) mutable {
    if (!r)
      rp.deliver(record_outcome{r.error()});
    else if (auto& old = *r)
      rp.deliver(record_outcome{
          problem{errc::not_cancellable,
                  std::string{"The intent is "} + to_string(old->status) +
                      "; only pending or verified intents can be cancelled.",
                  {}}});
    else
      rp.deliver(record_outcome{no_such_intent(id)});
  });
}

/// Parks `again` behind the read under way for `id`. False when none is
/// under way; when too many wait already, `full` answers instead.
template<class Full>
bool park(directory_self self, const std::string& id,
          std::function<void()> again, Full full) {
  auto& st = self->state;
  auto i = st.reading.find(id);
  if (i == st.reading.end())
    return false;
  if (i->second.size() >= directory_state::max_parked)
    full();
  else
    i->second.push_back(std::move(again));
  return true;
}

/// Claims the nonce of a signed submission for its account, then calls
/// `next` with nullopt, or with why not: nonce_reused when a live or stored
/// intent of the account holds it, the storage's problem when the index
/// cannot be read (never a claim). The claim holds while the index is read,
/// so another submission with the nonce meanwhile is refused as reused.
template<class Next>
void claim_nonce(directory_self self, const intent& in, Next next) {
  auto& st = self->state;
  if (in.signature.empty()) {
    next(std::optional<problem>{});
    return;
  }
  auto key = keys::by_nonce(in.user_account, in.nonce);
  if (st.nonces.count(key) != 0) {
    next(std::optional<problem>{nonce_reused(in.user_account, in.nonce)});
    return;
  }
  st.nonces.insert(key);
  st.nonce_of.emplace(in.id, std::move(key));
  auto h = timed_request(self, self->state.asked, st.opts.reader,
                         st.deps->call_timeout, nonce_atom::value,
                         in.user_account, in.nonce);
  auto unread = [](const std::string& why) {
    return "The nonce check cannot read the storage; retry shortly. (" + why +
           ")";
  };
  h.then(
      [=, id = in.id, user = in.user_account, nonce = in.nonce,
       mid = h.id()](nonce_owner_outcome& owner) mutable {
        self->state.asked.drop(mid);
        if (!owner) {
          drop_nonce(self, id);
          auto p = owner.error();
          p.message = unread(p.message);
          next(std::optional<problem>{std::move(p)});
        } else if (owner->intent_id) {
          drop_nonce(self, id);
          next(std::optional<problem>{nonce_reused(user, nonce)});
        } else {
          next(std::optional<problem>{});
        }
      },
      [=, id = in.id, mid = h.id()](caf::error& err) mutable {
        self->state.asked.drop(mid);
        drop_nonce(self, id);
        next(std::optional<problem>{
            problem{errc::timeout, unread(caf::to_string(err)), {}}});
      });
}

/// A submission whose id was read from storage as `r`.
void submit_read(directory_self self, intent in, std::string digest,
                 stored_read r, caf::response_promise rp) {
  auto& st = self->state;
  auto id = in.id;
  if (st.live.count(id) != 0) {
    // Activated meanwhile (a dead-letter retry): its actor answers.
    submit(self, std::move(in), std::move(digest), rp);
  } else if (!r) {
    rp.deliver(submit_outcome{r.error()});
  } else if (*r) {
    rp.deliver(resubmit_answer(std::move(**r), digest));
  } else if (st.live.size() >= st.opts.max_live) {
    rp.deliver(submit_outcome{overloaded()});
  } else {
    claim_nonce(self, in, [=](std::optional<problem> taken) mutable {
      auto& st = self->state;
      if (taken) {
        rp.deliver(submit_outcome{std::move(*taken)});
      } else if (st.live.size() >= st.opts.max_live) {
        drop_nonce(self, id);
        rp.deliver(submit_outcome{overloaded()});
      } else {
        auto rec = make_pending_record(std::move(in), std::move(digest),
                                       st.deps->now());
        auto handle = activate(self, std::move(rec));
        rp.delegate(handle, start_atom::value);
      }
      end_read(self, id);
    });
    return;
  }
  end_read(self, id);
}

} // namespace

void submit(directory_self self, intent in, std::string digest,
            caf::response_promise rp) {
  auto& st = self->state;
  if (auto i = st.live.find(in.id); i != st.live.end()) {
    ask_live<submit_outcome>(
        self, i->second.handle, rp,
        [self, id = in.id, digest](caf::response_promise p) {
          resubmit_stored(self, id, digest, p);
        },
        resubmit_atom::value, digest);
    return;
  }
  auto again = [self, in, digest, rp] { submit(self, in, digest, rp); };
  auto full = [rp]() mutable { rp.deliver(submit_outcome{overloaded()}); };
  if (park(self, in.id, again, full))
    return;
  if (st.reading.size() >= st.opts.max_live) {
    full();
    return;
  }
  auto id = in.id;
  st.reading.emplace(id, std::vector<std::function<void()>>{});
  read_stored(self, id,
              [self, in = std::move(in), digest = std::move(digest),
               rp](stored_read r) mutable {
                submit_read(self, std::move(in), std::move(digest),
                            std::move(r), rp);
              });
}

void cancel(directory_self self, const std::string& id,
            caf::response_promise rp) {
  auto& st = self->state;
  if (auto i = st.live.find(id); i != st.live.end()) {
    ask_live<record_outcome>(
        self, i->second.handle, rp,
        [self, id](caf::response_promise p) { cancel_stored(self, id, p); },
        cancel_atom::value);
    return;
  }
  auto again = [self, id, rp] { cancel(self, id, rp); };
  auto full = [rp]() mutable { rp.deliver(record_outcome{overloaded()}); };
  if (park(self, id, again, full))
    return;
  cancel_stored(self, id, rp);
}

} // namespace intentd::directory_detail

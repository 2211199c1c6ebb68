// How an intent actor moves: verification by the chain, execution attempts
// through the solver pool with retries and backoff, and recovery of an
// intent from its snapshot.

#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"
#include "actors/intent_state.hpp"
#include "actors/request_timeout.hpp"
#include "runtime/model/status_message.hpp"

namespace intentd::intent_detail {

/// A uniform draw in [0, 1) from splitmix64: eight bytes of state per
/// intent instead of a full Mersenne Twister.
double uniform01(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

uint32_t backoff(intent_self self, uint32_t attempt) {
  return backoff_delay_ms(self->state.deps->retry, attempt,
                          uniform01(self->state.rng));
}

/// Runs `next` after a pause that grows while the chain keeps answering
/// with a wait (`fault`: its storage is full, or its node cannot be
/// reached): 0.1 s doubling to 5 s, as for the intent's own writes.
void wait_for_chain(intent_self self, chain_fault fault, then_fn next) {
  auto& st = self->state;
  auto pause = std::chrono::milliseconds{
      std::min<uint32_t>(100u << std::min(st.storage_waits, 6u), 5'000)};
  ++st.storage_waits;
  if (const auto& hook = self->state.deps->on_storage_wait;
      hook && is_storage_wait(fault))
    hook();
  self->delayed_send(self, pause, deliver_atom::value, std::move(next));
  hibernate(self);
}

void on_executed(intent_self self, execute_result r,
                 const std::string& solver) {
  auto& rec = rec_of(self);
  if (rec.status != intent_status::executing)
    return;
  auto& ex = rec.execution;
  if (is_wait(r.fault)) {
    // A wait for the chain's storage or its node, not an attempt: nothing
    // is confirmed, and the call may still land (or have landed).
    if (ex.attempts > 0)
      ex.attempts -= 1;
    wait_for_chain(self, r.fault, [=] { ask_landed(self); });
    return;
  }
  self->state.storage_waits = 0;
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
void attempt(intent_self self) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::executing)
    return;
  rec_of(self).execution.attempts += 1;
  auto h = timed_request(self, self->state.deadlines, st.deps->solvers,
                         st.deps->call_timeout, execute_atom::value,
                         rec_of(self).request);
  h.then(
      [=, mid = h.id()](execute_result& r, std::string& solver) {
        self->state.deadlines.drop(mid);
        on_executed(self, std::move(r), solver);
      },
      [=, mid = h.id()](caf::error&) {
        self->state.deadlines.drop(mid);
        execute_result r;
        r.fault = chain_fault::timeout;
        on_executed(self, std::move(r), rec_of(self).execution.solver_id);
      });
  hibernate(self);
}

void dispatch(intent_self self) {
  if (apply(self, intent_event::dispatch))
    persist(self, [=] { attempt(self); });
}

// External solvers (docs/solvers.md, "How the engine runs an auction").

void settle(intent_self self);

/// Hands the intent to the built-in solvers: from verified through the
/// dispatch transition, from executing (after failed settlements) with the
/// quote it no longer settles with forgotten first.
void to_builtins(intent_self self) {
  auto& rec = rec_of(self);
  self->state.ranked.clear();
  if (rec.status == intent_status::verified) {
    dispatch(self);
    return;
  }
  if (rec.status != intent_status::executing)
    return;
  // The built-in solvers get their own attempts, as the next quote does.
  rec.execution.quote.reset();
  rec.execution.output_amount.reset();
  rec.execution.attempts = 0;
  persist(self, [=] { attempt(self); });
}

/// Settles with the next ranked quote still within its valid_until, the
/// winning quote persisted with the executing transition first; the
/// built-in solvers when none is left.
void next_quote(intent_self self) {
  auto& st = self->state;
  auto now = st.deps->now();
  while (st.next_quote < st.ranked.size() &&
         st.ranked[st.next_quote].valid_until <= now)
    ++st.next_quote;
  if (st.next_quote >= st.ranked.size()) {
    to_builtins(self);
    return;
  }
  const auto& q = st.ranked[st.next_quote];
  auto& rec = rec_of(self);
  if (rec.status == intent_status::verified &&
      !apply(self, intent_event::dispatch))
    return;
  if (rec.status != intent_status::executing)
    return;
  auto& ex = rec.execution;
  ex.solver_id = q.solver_id;
  ex.attempts = 0;
  ex.quotes = st.valid_quotes;
  ex.quote = winning_quote{q.quote.request_id, q.solver_id, q.account,
                           q.output_amount,    q.fee,       q.valid_until,
                           q.quote.signature};
  if (rec.request.action == action_kind::swap)
    ex.output_amount = q.output_amount;
  else
    ex.output_amount.reset();
  persist(self, [=] {
    auto& state = self->state;
    if (state.next_quote < state.ranked.size()) {
      const auto& won = state.ranked[state.next_quote];
      caf::anon_send(state.deps->auction, assigned_atom::value, won.solver_id,
                     rec_of(self).request.id, won.quote.request_id);
    }
    settle(self);
  });
}

void on_settled(intent_self self, execute_result r) {
  auto& st = self->state;
  auto& rec = rec_of(self);
  if (rec.status != intent_status::executing || !rec.execution.quote)
    return;
  auto& ex = rec.execution;
  if (is_wait(r.fault)) {
    if (ex.attempts > 0)
      ex.attempts -= 1;
    wait_for_chain(self, r.fault, [=] { ask_landed(self); });
    return;
  }
  st.storage_waits = 0;
  if (r.fault == chain_fault::already_executed) {
    // Settled (or executed) before: the chain's record says how.
    ask_landed(self);
    return;
  }
  if (!r.tx_hash.empty())
    ex.transactions.push_back(transaction_info{
        r.tx_hash, "simulated",
        r.fault == chain_fault::none ? "success" : "reverted"});
  ex.gas_used += r.gas_used;
  ex.total_cost += r.total_cost;
  if (r.fault == chain_fault::none) {
    ex.solver_id = ex.quote->solver_id;
    if (rec.request.action == action_kind::swap)
      ex.output_amount = ex.quote->output_amount;
    if (st.next_quote < st.ranked.size() && st.deps->auction) {
      const auto& q = st.ranked[st.next_quote];
      // What the user or the recipient got, as quoted: the output token's
      // amount of a swap, the input amount of a transfer or stake.
      caf::anon_send(st.deps->auction, settled_atom::value, q.solver_id,
                     rec.request.id, r.tx_hash, q.quote.output_amount);
    }
    st.ranked.clear();
    apply(self, intent_event::execute_ok);
    persist(self, [=] { finish(self); });
    return;
  }
  if (is_retryable(r.fault) && may_retry(st.deps->retry, ex.attempts) &&
      ex.quote->valid_until > st.deps->now()) {
    // The same settlement again: the chain never settles one id twice.
    auto delay = std::chrono::milliseconds{backoff(self, ex.attempts)};
    persist(self, [=] {
      self->delayed_send(self, delay, deliver_atom::value,
                         then_fn{[=] { settle(self); }});
      hibernate(self);
    });
    return;
  }
  spdlog::info("intent {}: settlement with solver {} failed ({})",
               rec.request.id, ex.quote->solver_id, to_string(r.fault));
  if (st.next_quote < st.ranked.size() && st.deps->auction) {
    const auto& q = st.ranked[st.next_quote];
    caf::anon_send(st.deps->auction, failed_atom::value, q.solver_id,
                   rec.request.id, std::string{to_string(r.fault)});
  }
  ++st.next_quote;
  next_quote(self);
}

/// One settlement with the persisted winning quote.
void settle(intent_self self) {
  auto& st = self->state;
  auto& rec = rec_of(self);
  if (rec.status != intent_status::executing || !rec.execution.quote)
    return;
  rec.execution.attempts += 1;
  const auto& q = *rec.execution.quote;
  settlement s{q.solver_id, q.solver_account, q.output_amount, q.fee};
  auto h =
      timed_request(self, self->state.deadlines, st.deps->chain,
                    st.deps->call_timeout, settle_atom::value, rec.request, s);
  h.then(
      [=, mid = h.id()](execute_result& r) {
        self->state.deadlines.drop(mid);
        on_settled(self, std::move(r));
      },
      [=, mid = h.id()](caf::error&) {
        self->state.deadlines.drop(mid);
        execute_result r;
        r.fault = chain_fault::timeout;
        on_settled(self, std::move(r));
      });
  hibernate(self);
}

void auction(intent_self self) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::verified)
    return;
  if (!st.deps->auction) {
    dispatch(self);
    return;
  }
  auto h = timed_request(self, self->state.deadlines, st.deps->auction,
                         st.deps->auction_timeout, auction_atom::value,
                         rec_of(self).request);
  h.then(
      [=, mid = h.id()](auction_outcome& out) {
        self->state.deadlines.drop(mid);
        if (!out || out->ranked.empty()) {
          dispatch(self);
          return;
        }
        auto& state = self->state;
        state.ranked = std::move(out->ranked);
        state.valid_quotes = out->valid;
        state.next_quote = 0;
        next_quote(self);
      },
      [=, mid = h.id()](caf::error&) {
        self->state.deadlines.drop(mid);
        dispatch(self);
      });
  hibernate(self);
}

void on_verified(intent_self self, verify_result r) {
  auto& st = self->state;
  if (is_wait(r.fault) && rec_of(self).status == intent_status::pending) {
    // A wait for the chain's storage or its node, not an attempt.
    if (st.verify_attempts > 0)
      st.verify_attempts -= 1;
    wait_for_chain(self, r.fault, [=] { verify(self); });
    return;
  }
  st.storage_waits = 0;
  if (rec_of(self).status != intent_status::pending) {
    // Cancelled or expired while the chain was busy: give funds back.
    if (r.fault == chain_fault::none && is_terminal(rec_of(self).status))
      release_on_chain(self);
    return;
  }
  if (r.fault == chain_fault::none && st.deps->auction) {
    // Verified first: the auction's quote window runs before the intent is
    // assigned to anyone.
    if (apply(self, intent_event::verify_ok))
      persist(self, [=] { auction(self); });
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

void verify(intent_self self) {
  auto& st = self->state;
  if (rec_of(self).status != intent_status::pending)
    return;
  st.verify_attempts += 1;
  auto h = timed_request(self, self->state.deadlines, st.deps->chain,
                         st.deps->call_timeout, verify_atom::value,
                         rec_of(self).request);
  h.then(
      [=, mid = h.id()](verify_result& r) {
        self->state.deadlines.drop(mid);
        on_verified(self, r);
      },
      [=, mid = h.id()](caf::error&) {
        self->state.deadlines.drop(mid);
        on_verified(self, verify_result{chain_fault::timeout});
      });
  hibernate(self);
}

/// Nothing landed for an executing intent: settle again with its stored
/// winning quote while that is valid, else the built-in solvers.
void unlanded(intent_self self) {
  auto& rec = rec_of(self);
  if (rec.execution.quote &&
      rec.execution.quote->valid_until > self->state.deps->now()) {
    settle(self);
    return;
  }
  if (rec.execution.quote) {
    to_builtins(self);
    return;
  }
  attempt(self);
}

void ask_landed(intent_self self) {
  auto& rec = rec_of(self);
  if (rec.status != intent_status::executing)
    return;
  auto h = timed_request(self, self->state.deadlines, self->state.deps->chain,
                         self->state.deps->call_timeout, status_atom::value,
                         rec.request.id, execute_atom::value);
  h.then(
      [=, mid = h.id()](std::optional<chain_execution>& landed) {
        self->state.deadlines.drop(mid);
        if (!landed)
          return unlanded(self);
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
        self->state.deadlines.drop(mid);
        unlanded(self);
      });
  hibernate(self);
}

/// Picks up a recovered intent where its snapshot left it.
void resume(intent_self self) {
  auto& rec = rec_of(self);
  switch (rec.status) {
  case intent_status::pending:
    verify(self);
    break;
  case intent_status::verified:
    // Quotes asked before a restart are simply asked again.
    auction(self);
    break;
  case intent_status::executing:
    // Ask the chain first: the last attempt may have landed before a crash.
    ask_landed(self);
    break;
  default:
    self->quit();
  }
}

} // namespace intentd::intent_detail

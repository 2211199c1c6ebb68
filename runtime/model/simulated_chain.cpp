#include "runtime/model/simulated_chain.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <openssl/evp.h>

namespace intentd {

namespace {

constexpr units max_units = std::numeric_limits<units>::max();

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0f]);
  }
  return out;
}

std::optional<units> checked_mul(units a, units b) {
  if (a != 0 && b > max_units / a)
    return std::nullopt;
  return a * b;
}

} // namespace

simulated_chain::simulated_chain(token_registry tokens,
                                 simulated_chain_options opts,
                                 std::unique_ptr<chain_journal> journal)
    : tokens_(std::move(tokens)), opts_(opts), rng_(opts.seed),
      journal_(std::move(journal)) {
  history_ = journal_ ? journal_->history() : nullptr;
  if (history_ == nullptr) {
    memory_history_ = std::make_unique<memory_chain_history>();
    history_ = memory_history_.get();
  }
  if (!journal_)
    return;
  auto load = [&](outcome<chain_ledger> snapshot) {
    if (!snapshot) {
      replay_report_.snapshot_refused = snapshot.error();
      return;
    }
    restore(std::move(*snapshot));
  };
  auto each = [&](const chain_event& e) {
    apply(e);
    ++events_;
    ++replay_report_.events;
  };
  // Without an index the history is the events themselves: all of them.
  bool ok = memory_history_ ? journal_->replay(each)
                            : journal_->replay_from(load, each);
  if (!ok)
    throw std::runtime_error("the simulated chain's journal cannot be "
                             "replayed after " +
                             std::to_string(events_) + " events");
  snapshot_at_ = replay_report_.snapshot_events;
  // A restarted chain draws new faults rather than repeating the first ones.
  uint64_t replayed = events_;
  if (replayed > 0)
    rng_.seed(opts.seed ^ (replayed * 0x9e3779b97f4a7c15ull));
}

simulated_chain::~simulated_chain() {
  if (!journal_ || memory_history_ || opts_.snapshot_events == 0 ||
      events_ == snapshot_at_)
    return;
  // Best effort: without it the next start replays the events since the
  // last snapshot.
  try {
    journal_->keep_snapshot(ledger());
  } catch (const std::exception&) {
  }
}

void simulated_chain::restore(chain_ledger&& ledger) {
  accounts_.clear();
  reservations_.clear();
  for (auto& [name, balances] : ledger.balances)
    accounts_[name].balances = std::move(balances);
  for (auto& [id, held] : ledger.reservations)
    reservations_[id] = reservation{
        std::move(held.account), std::move(held.token), held.amount, {}};
  block_ = ledger.block;
  events_ = ledger.events;
  replay_report_.snapshot_events = ledger.events;
}

chain_ledger simulated_chain::ledger() const {
  // Sorted first, then appended at the maps' ends: no search per entry.
  auto sorted = [](const auto& table) {
    std::vector<const typename std::decay_t<decltype(table)>::value_type*> out;
    out.reserve(table.size());
    for (const auto& entry : table)
      out.push_back(&entry);
    std::sort(out.begin(), out.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    return out;
  };
  chain_ledger out;
  out.events = events_;
  out.block = block_;
  for (const auto* a : sorted(accounts_))
    out.balances.emplace_hint(out.balances.end(), a->first, a->second.balances);
  for (const auto* r : sorted(reservations_))
    out.reservations.emplace_hint(out.reservations.end(), r->first,
                                  chain_ledger::held{r->second.account,
                                                     r->second.token,
                                                     r->second.amount});
  return out;
}

void simulated_chain::offer_snapshot() {
  if (opts_.snapshot_events == 0 || memory_history_)
    return;
  uint64_t since = events_ - snapshot_at_;
  if (since == 0 || since < opts_.snapshot_events ||
      since < accounts_.size() + reservations_.size() ||
      !journal_->wants_snapshot())
    return;
  journal_->keep_snapshot(ledger());
  snapshot_at_ = events_;
}

bool simulated_chain::commit(const chain_event& event) {
  if (journal_ && !journal_->record(event))
    return false;
  apply(event);
  ++events_;
  return true;
}

void simulated_chain::apply(const chain_event& e) {
  switch (e.kind) {
  case chain_event_kind::reserve:
    account(e.account).balances[e.token] -= e.amount;
    reservations_[e.intent_id] = reservation{e.account, e.token, e.amount, {}};
    return;
  case chain_event_kind::release: {
    auto r = reservations_.find(e.intent_id);
    if (r == reservations_.end())
      return;
    account(r->second.account).balances[r->second.token] += r->second.amount;
    reservations_.erase(r);
    break;
  }
  case chain_event_kind::execute:
  case chain_event_kind::revert:
    account(e.account).balances[e.token] += e.amount;
    reservations_.erase(e.intent_id);
    if (!e.tx_hash.empty())
      block_ = e.block;
    break;
  case chain_event_kind::settle:
    // The reservation was taken from the payer when it was made: what is
    // not refunded, paid to the solver or credited is the gas.
    account(e.solver_account).balances[e.token] -= e.solver_paid;
    account(e.account).balances[e.token] += e.amount;
    account(e.solver_account).balances[e.payer_token] += e.solver_received;
    account(e.payer).balances[e.payer_token] += e.refund;
    reservations_.erase(e.intent_id);
    if (!e.tx_hash.empty())
      block_ = e.block;
    break;
  }
  if (memory_history_)
    memory_history_->note(e);
}

simulated_chain::account_state&
simulated_chain::account(const std::string& name) {
  auto i = accounts_.find(name);
  if (i != accounts_.end())
    return i->second;
  account_state fresh;
  for (const auto& t : tokens_.all()) {
    auto initial = checked_mul(opts_.initial_balance_tokens, pow10(t.decimals));
    fresh.balances[t.id] = initial ? *initial : max_units;
  }
  auto named = opts_.account_balances.find(name);
  if (named != opts_.account_balances.end())
    for (const auto& [token, amount] : named->second)
      fresh.balances[token] = amount;
  return accounts_.emplace(name, std::move(fresh)).first->second;
}

bool simulated_chain::roll(double rate) {
  if (rate <= 0.0)
    return false;
  if (rate >= 1.0)
    return true;
  auto u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  return u < rate;
}

std::string simulated_chain::next_tx_hash(const std::string& intent_id) {
  return "0x" + sha256_hex(intent_id + "@" + std::to_string(block_ + 1));
}

verify_result simulated_chain::verify(const intent& in) {
  if (tokens_.find(in.input_token) == nullptr)
    return {chain_fault::unknown_token};
  if (in.action == action_kind::swap &&
      tokens_.find(in.output_token) == nullptr)
    return {chain_fault::unknown_token};
  if (roll(opts_.failure_rate))
    return {chain_fault::network_error};
  auto executed = history_->executions(in.id);
  if (!executed)
    return {chain_fault::network_error};
  if (*executed > 0)
    return {chain_fault::already_executed};
  if (reservations_.count(in.id) > 0)
    return {chain_fault::none};
  units gas_cost = static_cast<units>(opts_.gas_per_execution) *
                   static_cast<units>(opts_.gas_price);
  if (in.input_amount > max_units - gas_cost)
    return {chain_fault::insufficient_funds};
  units total = in.input_amount + gas_cost;
  if (account(in.user_account).balances[in.input_token] < total)
    return {chain_fault::insufficient_funds};
  chain_event e{chain_event_kind::reserve,
                in.id,
                in.user_account,
                in.input_token,
                total,
                {},
                0};
  if (!commit(e))
    return {chain_fault::storage_unavailable};
  auto seen = now();
  reservations_[in.id].info.first_seen = seen;
  describe(in, seen);
  return {chain_fault::none};
}

execute_result simulated_chain::execute(const intent& in,
                                        const std::string& solver_id) {
  execute_result result;
  auto executed = history_->executions(in.id);
  if (!executed || *executed > 0) {
    result.fault =
        executed ? chain_fault::already_executed : chain_fault::network_error;
    return result;
  }
  auto r = reservations_.find(in.id);
  if (r == reservations_.end()) {
    result.fault = chain_fault::not_verified;
    // Asked again after its storage held the answer back: a revert answers
    // what it answered the first time.
    auto last = history_->final_event(in.id);
    if (last && *last && (*last)->kind == chain_event_kind::revert) {
      result.tx_hash = (*last)->tx_hash;
      result.fault = !result.tx_hash.empty() ? chain_fault::reverted
                     : quote(in.input_token, in.output_token, in.input_amount)
                         ? chain_fault::slippage
                         : chain_fault::unknown_token;
    }
    return result;
  }
  units gas_cost = static_cast<units>(opts_.gas_per_execution) *
                   static_cast<units>(opts_.gas_price);
  const reservation held = r->second;
  if (held.account != in.user_account || held.token != in.input_token ||
      held.amount < gas_cost || held.amount - gas_cost != in.input_amount) {
    result.fault = chain_fault::not_verified;
    return result;
  }
  if (roll(opts_.failure_rate)) {
    static constexpr chain_fault retryable[] = {chain_fault::network_error,
                                                chain_fault::timeout,
                                                chain_fault::nonce_too_low};
    result.fault = retryable[rng_() % 3];
    return result;
  }
  // Every outcome below is one journaled event: nothing changes unless it
  // was recorded.
  auto finish = [&](chain_event_kind kind, const std::string& account_name,
                    const std::string& token, units amount, bool sent,
                    chain_fault fault) {
    chain_event e{kind, in.id, account_name, token, amount, {}, 0};
    if (sent) {
      e.tx_hash = next_tx_hash(in.id);
      e.block = block_ + 1;
    }
    if (!commit(e)) {
      execute_result refused;
      refused.fault = chain_fault::storage_unavailable;
      return refused;
    }
    describe(in, held.info.first_seen);
    result.fault = fault;
    if (sent) {
      result.tx_hash = e.tx_hash;
      result.gas_used = opts_.gas_per_execution;
      result.total_cost = gas_cost;
    }
    return result;
  };
  if (roll(opts_.revert_rate))
    return finish(chain_event_kind::revert, held.account, held.token,
                  held.amount - gas_cost, true, chain_fault::reverted);
  const std::string& target =
      in.recipient.empty() ? in.user_account : in.recipient;
  if (in.action != action_kind::swap)
    return finish(chain_event_kind::execute, target, in.input_token,
                  in.input_amount, true, chain_fault::none);
  auto out = quote(in.input_token, in.output_token, in.input_amount);
  if (!out)
    return finish(chain_event_kind::revert, held.account, held.token,
                  held.amount, false, chain_fault::unknown_token);
  if (*out < in.min_output_amount)
    return finish(chain_event_kind::revert, held.account, held.token,
                  held.amount, false, chain_fault::slippage);
  result.output_amount = *out;
  return finish(chain_event_kind::execute, target, in.output_token, *out, true,
                chain_fault::none);
}

execute_result simulated_chain::settle(const intent& in, const settlement& s) {
  execute_result result;
  auto refuse = [&](chain_fault fault) {
    result.fault = fault;
    return result;
  };
  auto executed = history_->executions(in.id);
  if (!executed)
    return refuse(chain_fault::network_error);
  if (*executed > 0)
    return refuse(chain_fault::already_executed);
  auto r = reservations_.find(in.id);
  if (r == reservations_.end())
    return refuse(chain_fault::not_verified);
  units gas_cost = static_cast<units>(opts_.gas_per_execution) *
                   static_cast<units>(opts_.gas_price);
  const reservation held = r->second;
  if (held.account != in.user_account || held.token != in.input_token ||
      held.amount < gas_cost || held.amount - gas_cost != in.input_amount)
    return refuse(chain_fault::not_verified);
  if (roll(opts_.failure_rate)) {
    static constexpr chain_fault retryable[] = {chain_fault::network_error,
                                                chain_fault::timeout,
                                                chain_fault::nonce_too_low};
    return refuse(retryable[rng_() % 3]);
  }
  // Refusals below move nothing and keep the reservation: the next quote,
  // or the built-in solvers, may still execute the intent.
  bool swap = in.action == action_kind::swap;
  if (swap && tokens_.find(in.output_token) == nullptr)
    return refuse(chain_fault::unknown_token);
  // The user pays the fee out of the gas reserve, never more than verify
  // held; a solver account of none, or the user's own, settles nothing.
  if (s.fee > gas_cost || s.solver_account.empty() ||
      s.solver_account == in.user_account)
    return refuse(chain_fault::reverted);
  if (swap && s.output_amount < in.min_output_amount)
    return refuse(chain_fault::slippage);
  if (swap && balance(s.solver_account, in.output_token) < s.output_amount)
    return refuse(chain_fault::insufficient_funds);
  if (roll(opts_.revert_rate))
    return refuse(chain_fault::reverted);
  const std::string& target =
      in.recipient.empty() ? in.user_account : in.recipient;
  chain_event e;
  e.kind = chain_event_kind::settle;
  e.intent_id = in.id;
  e.account = target;
  e.token = swap ? in.output_token : in.input_token;
  e.amount = swap ? s.output_amount : in.input_amount;
  e.tx_hash = next_tx_hash(in.id);
  e.block = block_ + 1;
  e.payer = held.account;
  e.payer_token = held.token;
  e.refund = gas_cost - s.fee;
  e.solver_account = s.solver_account;
  e.solver_received = swap ? in.input_amount + s.fee : s.fee;
  e.solver_paid = swap ? s.output_amount : 0;
  e.fee = s.fee;
  if (!commit(e))
    return refuse(chain_fault::storage_unavailable);
  describe(in, held.info.first_seen);
  result.tx_hash = e.tx_hash;
  result.gas_used = opts_.gas_per_execution;
  result.total_cost = s.fee;
  if (swap)
    result.output_amount = s.output_amount;
  return result;
}

void simulated_chain::release(const std::string& intent_id) {
  auto r = reservations_.find(intent_id);
  if (r == reservations_.end())
    return;
  auto first_seen = r->second.info.first_seen;
  if (!commit(
          chain_event{chain_event_kind::release, intent_id, {}, {}, 0, {}, 0}))
    return;
  auto kept = history_->intent_info(intent_id);
  if (!kept || !*kept)
    return;
  auto info = **kept;
  if (first_seen != 0)
    info.first_seen = first_seen;
  info.last_change = now();
  if (journal_ && journal_->history() != nullptr)
    journal_->describe(info);
  else if (memory_history_)
    memory_history_->note(info);
}

void simulated_chain::describe(const intent& in, time_us first_seen) {
  chain_intent_info info{in.id,          in.action,       in.user_account,
                         in.input_token, in.input_amount, in.output_token,
                         in.recipient,   first_seen,      now()};
  if (first_seen == 0) { // reserved before a restart: keep its first date
    auto kept = history_->intent_info(in.id);
    if (kept && *kept)
      info.first_seen = (*kept)->first_seen;
  }
  if (journal_ && journal_->history() != nullptr)
    journal_->describe(info);
  else if (memory_history_)
    memory_history_->note(info);
}

std::optional<chain_intent_info>
simulated_chain::intent_info(const std::string& intent_id) {
  auto kept = history_->intent_info(intent_id);
  if (!kept || !*kept)
    return std::nullopt;
  return **kept;
}

// An unreadable history answers like an unknown intent: execute() still
// refuses to run twice (it reports a retryable fault instead).
chain_intent_state simulated_chain::intent_state(const std::string& intent_id) {
  if (reservations_.count(intent_id) > 0)
    return chain_intent_state::reserved;
  auto e = history_->final_event(intent_id);
  if (!e || !*e)
    return chain_intent_state::unknown;
  switch ((*e)->kind) {
  case chain_event_kind::execute:
  case chain_event_kind::settle:
    return chain_intent_state::executed;
  case chain_event_kind::revert:
    return chain_intent_state::reverted;
  case chain_event_kind::release:
    return chain_intent_state::released;
  case chain_event_kind::reserve:
    break;
  }
  return chain_intent_state::unknown;
}

std::optional<chain_execution>
simulated_chain::execution_of(const std::string& intent_id) {
  auto e = history_->final_event(intent_id);
  if (!e || !*e || !is_execution((*e)->kind))
    return std::nullopt;
  const chain_event& landed = **e;
  if (landed.kind == chain_event_kind::settle)
    return chain_execution{landed.tx_hash, opts_.gas_per_execution, landed.fee,
                           landed.amount, landed.solver_account};
  return chain_execution{landed.tx_hash,
                         opts_.gas_per_execution,
                         units{opts_.gas_per_execution} * opts_.gas_price,
                         landed.amount,
                         {}};
}

bool simulated_chain::commit() {
  if (!journal_)
    return true;
  offer_snapshot();
  return journal_->flush();
}

std::optional<chain_tx> simulated_chain::tx_status(const std::string& hash) {
  auto e = history_->tx_event(hash);
  if (!e || !*e)
    return std::nullopt;
  const chain_event& mined = **e;
  bool executed = is_execution(mined.kind);
  return chain_tx{hash, mined.intent_id, executed ? "success" : "reverted",
                  mined.block};
}

units simulated_chain::balance(const std::string& account_name,
                               const std::string& token) {
  const auto& balances = account(account_name).balances;
  auto i = balances.find(token);
  return i == balances.end() ? 0 : i->second;
}

std::map<std::string, uint32_t> simulated_chain::executions_by_intent() const {
  std::map<std::string, uint32_t> out;
  history_->each_execution(
      [&](const std::string& id, uint32_t n) { out.emplace(id, n); });
  return out;
}

uint32_t simulated_chain::executions_of(const std::string& intent_id) const {
  auto n = history_->executions(intent_id);
  return n ? *n : 0;
}

std::size_t simulated_chain::history_in_memory() const {
  return memory_history_ ? memory_history_->size() : 0;
}

std::optional<units> simulated_chain::quote(const std::string& from,
                                            const std::string& to,
                                            units amount) const {
  const token_spec* a = tokens_.find(from);
  const token_spec* b = tokens_.find(to);
  if (a == nullptr || b == nullptr)
    return std::nullopt;
  std::optional<units> num = a->price;
  std::optional<units> den = b->price;
  if (b->decimals >= a->decimals)
    num = checked_mul(a->price, pow10(b->decimals - a->decimals));
  else
    den = checked_mul(b->price, pow10(a->decimals - b->decimals));
  if (!num || !den)
    return std::nullopt;
  return mul_div(amount, *num, *den);
}

} // namespace intentd

#include "runtime/model/simulated_chain.hpp"

#include <limits>
#include <utility>

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
                                 simulated_chain_options opts)
    : tokens_(std::move(tokens)), opts_(opts), rng_(opts.seed) {}

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
  return "0x" + sha256_hex(intent_id + "@" + std::to_string(block_));
}

verify_result simulated_chain::verify(const intent& in) {
  if (tokens_.find(in.input_token) == nullptr)
    return {chain_fault::unknown_token};
  if (in.action == action_kind::swap &&
      tokens_.find(in.output_token) == nullptr)
    return {chain_fault::unknown_token};
  if (roll(opts_.failure_rate))
    return {chain_fault::network_error};
  if (executions_of(in.id) > 0)
    return {chain_fault::already_executed};
  if (reservations_.count(in.id) > 0)
    return {chain_fault::none};
  units gas_cost = static_cast<units>(opts_.gas_per_execution) *
                   static_cast<units>(opts_.gas_price);
  if (in.input_amount > max_units - gas_cost)
    return {chain_fault::insufficient_funds};
  units total = in.input_amount + gas_cost;
  auto& balance = account(in.user_account).balances[in.input_token];
  if (balance < total)
    return {chain_fault::insufficient_funds};
  balance -= total;
  reservations_[in.id] = reservation{in.user_account, in.input_token, total};
  states_[in.id] = chain_intent_state::reserved;
  return {chain_fault::none};
}

execute_result simulated_chain::execute(const intent& in,
                                        const std::string& solver_id) {
  execute_result result;
  if (executions_of(in.id) > 0) {
    result.fault = chain_fault::already_executed;
    return result;
  }
  auto r = reservations_.find(in.id);
  if (r == reservations_.end()) {
    result.fault = chain_fault::not_verified;
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
  auto give_back = [&](units amount) {
    account(held.account).balances[held.token] += amount;
    reservations_.erase(in.id);
    states_[in.id] = chain_intent_state::reverted;
  };
  auto send_tx = [&](const char* status) {
    ++block_;
    chain_tx tx{next_tx_hash(in.id), in.id, status, block_};
    result.tx_hash = tx.hash;
    result.gas_used = opts_.gas_per_execution;
    result.total_cost = gas_cost;
    txs_[tx.hash] = std::move(tx);
  };
  if (roll(opts_.revert_rate)) {
    send_tx("reverted");
    give_back(held.amount - gas_cost);
    result.fault = chain_fault::reverted;
    return result;
  }
  const std::string& target =
      in.recipient.empty() ? in.user_account : in.recipient;
  if (in.action == action_kind::swap) {
    auto out = quote(in.input_token, in.output_token, in.input_amount);
    if (!out) {
      give_back(held.amount);
      result.fault = chain_fault::unknown_token;
      return result;
    }
    if (*out < in.min_output_amount) {
      give_back(held.amount);
      result.fault = chain_fault::slippage;
      return result;
    }
    account(target).balances[in.output_token] += *out;
    result.output_amount = *out;
  } else {
    account(target).balances[in.input_token] += in.input_amount;
  }
  reservations_.erase(in.id);
  states_[in.id] = chain_intent_state::executed;
  ++executions_[in.id];
  send_tx("success");
  return result;
}

void simulated_chain::release(const std::string& intent_id) {
  auto r = reservations_.find(intent_id);
  if (r == reservations_.end())
    return;
  account(r->second.account).balances[r->second.token] += r->second.amount;
  reservations_.erase(r);
  states_[intent_id] = chain_intent_state::released;
}

chain_intent_state simulated_chain::intent_state(const std::string& intent_id) {
  auto i = states_.find(intent_id);
  return i == states_.end() ? chain_intent_state::unknown : i->second;
}

std::optional<chain_tx> simulated_chain::tx_status(const std::string& hash) {
  auto i = txs_.find(hash);
  if (i == txs_.end())
    return std::nullopt;
  return i->second;
}

units simulated_chain::balance(const std::string& account_name,
                               const std::string& token) {
  const auto& balances = account(account_name).balances;
  auto i = balances.find(token);
  return i == balances.end() ? 0 : i->second;
}

uint32_t simulated_chain::executions_of(const std::string& intent_id) const {
  auto i = executions_.find(intent_id);
  return i == executions_.end() ? 0 : i->second;
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

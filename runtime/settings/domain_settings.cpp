#include "runtime/settings/domain_settings.hpp"

#include <stdexcept>

namespace intentd {

namespace {

units whole_tokens(const std::string& text, const char* what) {
  units out = 0;
  if (parse_amount(text, 0, ~units{0}, out) != amount_problem::none)
    throw std::invalid_argument(std::string{what} +
                                ": not a whole number: " + text);
  return out;
}

} // namespace

token_registry make_tokens(const std::vector<cfg::token>& tokens) {
  std::vector<token_spec> specs;
  for (auto& t : tokens) {
    token_spec spec;
    spec.id = t.id;
    spec.decimals = static_cast<uint8_t>(t.decimals);
    if (parse_amount(t.price, price_decimals, ~units{0}, spec.price) !=
        amount_problem::none)
      throw std::invalid_argument("token " + t.id + ": bad price " + t.price);
    specs.push_back(std::move(spec));
  }
  return token_registry{std::move(specs)};
}

validation_limits make_limits(const cfg::config& c) {
  validation_limits lim;
  lim.max_amount_tokens =
      whole_tokens(c.validation.max_amount, "validation.max_amount");
  lim.max_lifetime = time_us{c.validation.max_lifetime_s} * 1'000'000;
  lim.default_lifetime = time_us{c.validation.default_lifetime_s} * 1'000'000;
  lim.max_id_length = c.validation.max_id_length;
  lim.max_body = c.server.body_limit;
  return lim;
}

simulated_chain_options make_chain_options(const cfg::simulated_chain& c) {
  simulated_chain_options opts;
  opts.failure_rate = c.failure_rate;
  opts.revert_rate = c.revert_rate;
  opts.seed = c.seed;
  opts.initial_balance_tokens =
      whole_tokens(c.initial_balance, "chain.simulated.initial_balance");
  opts.gas_per_execution = c.gas_per_execution;
  opts.gas_price = c.gas_price;
  return opts;
}

} // namespace intentd

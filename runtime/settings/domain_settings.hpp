#pragma once

#include "config/config.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "runtime/model/tokens.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

/// Domain settings derived from the config; throw std::invalid_argument on
/// values the config loader should have refused.
token_registry make_tokens(const std::vector<cfg::token>& tokens);
validation_limits make_limits(const cfg::config& c);
simulated_chain_options make_chain_options(const cfg::simulated_chain& c);

} // namespace intentd

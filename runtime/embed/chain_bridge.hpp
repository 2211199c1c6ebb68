#pragma once

#include <memory>

#include "intentd/chain.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd::embed {

/// The engine's chain_adapter over an embedder's chain::adapter: intents
/// go out with decimal amounts and answers come back in base units.
std::unique_ptr<chain_adapter>
adapt_chain(std::shared_ptr<chain::adapter> chain, token_registry tokens);

} // namespace intentd::embed

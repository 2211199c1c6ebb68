#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/status_cache.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

/// Spawns the cache actor: it sweeps expired records every `interval` and
/// answers the chain level for ids this node does not hold:
///   (get_atom, id) -> record_outcome: a record with the status the chain
///   knows (not_found when the chain never saw the id).
cache_actor spawn_cache(caf::actor_system& sys,
                        std::shared_ptr<status_cache> cache, chain_actor chain,
                        std::chrono::milliseconds interval,
                        std::chrono::milliseconds call_timeout,
                        std::function<time_us()> now);

/// What a record known only from the chain reads as.
intent_record chain_only_record(const std::string& id, intent_status status);

/// The record of an intent this node holds no record of (never, or purged
/// by retention), as the chain knows it: its status, and with `info` its
/// action, account, tokens, amounts and the chain's dates (created_at its
/// reservation, updated_at its latest event), with `landed` its
/// transaction. Empty when the chain never saw the id.
std::optional<intent_record>
record_from_chain(const std::string& id, chain_intent_state state,
                  const std::optional<chain_intent_info>& info,
                  const std::optional<chain_execution>& landed);

} // namespace intentd

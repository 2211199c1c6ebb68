#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// Version written by encode_chain_event; decode_chain_event refuses others.
constexpr uint8_t chain_event_format_version = 1;

/// Binary form of a chain event: magic "ce", version, kind, intent id,
/// account, token, amount (16 bytes), tx hash, block.
std::string encode_chain_event(const chain_event& event);

/// Parses encode_chain_event's output; a problem for anything else.
outcome<chain_event> decode_chain_event(std::string_view bytes);

} // namespace intentd
